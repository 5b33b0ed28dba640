/**
 * `credential-broker vault bootstrap --config FILE [--dry-run]`: makes Vault match the
 * config and vault-policies/ (AppRole, KV v2, policies, the broker's and the endpoint
 * groups' roles). Observes first, plans, prints every line (+ create, ~ update,
 * = unchanged, ! conflict), then writes only what differs. A second run prints only "=".
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { planBootstrap, renderPlanLine } from '../../lifecycle/bootstrap-plan';
import { BootstrapInputError, buildDesiredState, externalPolicies, readPolicyFiles } from '../../lifecycle/desired-state';
import { VaultAdmin } from '../../vault/admin';
import { CliFailure, EXIT, loadConfigOrFail, runCommand, vaultAccess, vaultFailure, type VaultFlags } from '../lifecycle-support';

/** vault-policies/ of this package (dist/cli/commands → ../../../vault-policies; same from src/). */
export const DEFAULT_POLICIES_DIR = resolve(__dirname, '../../../vault-policies');

interface BootstrapFlags extends VaultFlags {
  config: string;
  policiesDir?: string;
  dryRun?: boolean;
  printRoleIds?: boolean;
}

async function bootstrap(flags: BootstrapFlags): Promise<number> {
  const config = loadConfigOrFail(flags.config);
  const access = vaultAccess(flags, process.env, config);
  let desired;
  try {
    desired = buildDesiredState(config, readPolicyFiles(flags.policiesDir ?? DEFAULT_POLICIES_DIR));
  } catch (err) {
    if (err instanceof BootstrapInputError) throw new CliFailure(err.message, EXIT.usage);
    throw err;
  }
  const admin = new VaultAdmin(access.http, access.token, desired.approleMount);
  const out = (line: string) => process.stdout.write(`${line}\n`);

  let observed;
  try {
    observed = await admin.observe(
      [...desired.policies.map((p) => p.name), ...externalPolicies(desired)],
      desired.roles.map((r) => r.name),
      desired.approleMount,
    );
  } catch (err) {
    throw vaultFailure(err, `reading the current state of ${admin.address}`) ?? err;
  }
  const plan = planBootstrap(desired, observed);
  out(`${flags.dryRun ? 'plan (dry run, nothing is written)' : 'bootstrap'} for ${admin.address}:`);
  for (const line of plan.lines) out(renderPlanLine(line));
  if (plan.conflicts.length > 0) {
    process.stderr.write(`credential-broker: ${plan.conflicts.length} conflict(s) need a manual fix; nothing was written\n`);
    return EXIT.conflict;
  }
  if (plan.steps.length === 0) {
    out('nothing to change');
  } else if (flags.dryRun) {
    out(`${plan.steps.length} change(s) would be made`);
  } else {
    let done = 0;
    for (const step of plan.steps) {
      const name = step.kind === 'enable-auth' || step.kind === 'enable-kv' ? step.path : step.name;
      try {
        await admin.apply(step);
      } catch (err) {
        const f = vaultFailure(err, `${step.kind} ${name} (after ${done} of ${plan.steps.length} changes; running bootstrap again is safe)`);
        throw f ?? err;
      }
      done += 1;
    }
    out(`${done} change(s) made`);
  }
  if (flags.printRoleIds && !flags.dryRun) {
    // role_id is not a secret, but not public either: print it only on request, for the BigFix deploy task.
    for (const r of desired.roles) out(`role_id ${r.name} ${(await admin.readRoleId(r.name)) ?? '(missing)'}`);
  }
  return EXIT.ok;
}

export function register(program: Command): void {
  const vault = program.command('vault').description('Set up Vault for the broker (security team)');
  vault
    .command('bootstrap')
    .description('Enable AppRole and KV v2, write the policies and roles the config declares; idempotent')
    .requiredOption('--config <file>', 'broker config (YAML) with endpoint_groups and bootstrap sections')
    .option('--vault-addr <url>', 'Vault address (default: VAULT_ADDR, then vault.address from the config)')
    .option('--vault-token-file <file>', 'file holding the Vault token (default: VAULT_TOKEN)')
    .option('--vault-ca-cert <file>', "CA certificate for Vault's TLS (default: VAULT_CACERT, then vault.tls.ca_file)")
    .option('--policies-dir <dir>', 'folder of *.hcl policies to write', DEFAULT_POLICIES_DIR)
    .option('--dry-run', 'print the plan, write nothing')
    .option('--print-role-ids', 'after bootstrap, print the role_id of each role (for the BigFix deploy task)')
    .action((flags: BootstrapFlags) => runCommand(() => bootstrap(flags)));
}
