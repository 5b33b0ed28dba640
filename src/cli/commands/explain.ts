/**
 * `credential-broker explain --role R --action A`: may endpoints of role R run action A,
 * and which policy and path rule decide it. Reads the role's policies from Vault and
 * evaluates them with src/vault-policy (see src/lifecycle/explain.ts).
 * Exit 0 = allowed, 3 = denied (other codes: lifecycle-support.ts).
 */
import type { Command } from 'commander';
import { explainAction, renderExplanation } from '../../lifecycle/explain';
import { VaultAdmin } from '../../vault/admin';
import { CliFailure, EXIT, loadConfigOrFail, runCommand, vaultAccess, vaultFailure, type VaultFlags } from '../lifecycle-support';

interface ExplainFlags extends VaultFlags {
  role: string;
  action: string;
  json?: boolean;
}

async function explain(flags: ExplainFlags): Promise<number> {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(flags.role)) throw new CliFailure('--role: not a role name', EXIT.usage);
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(flags.action)) throw new CliFailure('--action: not an action name', EXIT.usage);
  const config = flags.config ? loadConfigOrFail(flags.config) : undefined;
  const access = vaultAccess(flags, process.env, config);
  const vault = new VaultAdmin(access.http, access.token, access.approleMount);
  let role;
  const texts: Record<string, string | null> = {};
  try {
    role = await vault.readRole(flags.role);
    if (role === null) throw new CliFailure(`unknown role ${flags.role} (Vault has no AppRole role of that name)`, EXIT.notFound);
    const policies = (Array.isArray(role.token_policies) ? role.token_policies : Array.isArray(role.policies) ? role.policies : []).map(String);
    const noDefault = role.token_no_default_policy === true;
    for (const name of noDefault ? policies : ['default', ...policies]) texts[name] = await vault.readPolicy(name);
    const result = explainAction({
      role: flags.role,
      action: flags.action,
      markerPrefix: access.markerPrefix,
      tokenPolicies: policies,
      tokenNoDefaultPolicy: noDefault,
      policyTexts: texts,
    });
    if (config && !(flags.action in config.actions)) {
      process.stderr.write(`note: action ${flags.action} is not in the config's actions; the broker would answer 404 before asking Vault\n`);
    }
    process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : renderExplanation(result));
    return result.allowed ? EXIT.ok : EXIT.denied;
  } catch (err) {
    if (err instanceof CliFailure) throw err;
    throw vaultFailure(err, `reading role ${flags.role} and its policies`) ?? err;
  }
}

export function register(program: Command): void {
  program
    .command('explain')
    .description('Say whether a role may run an action, and which Vault policy and path rule decide it (exit 0 allowed, 3 denied)')
    .requiredOption('--role <name>', 'endpoint group (AppRole role)')
    .requiredOption('--action <name>', 'action name')
    .option('--config <file>', 'broker config, for the Vault address, AppRole mount and marker prefix')
    .option('--vault-addr <url>', 'Vault address (default: VAULT_ADDR, then vault.address from --config)')
    .option('--vault-token-file <file>', 'file holding the Vault token (default: VAULT_TOKEN)')
    .option('--vault-ca-cert <file>', "CA certificate for Vault's TLS (default: VAULT_CACERT, then vault.tls.ca_file from --config)")
    .option('--json', 'print JSON')
    .action((flags: ExplainFlags) => runCommand(() => explain(flags)));
}
