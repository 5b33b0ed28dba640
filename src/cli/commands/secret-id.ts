/**
 * `credential-broker secret-id issue|list|lookup|revoke`: endpoint identities.
 *
 * `issue` is what the BigFix operator runs (bigfix-operator.hcl lets them do nothing
 * else): it asks Vault for a secret ID response-wrapped (X-Vault-Wrap-TTL), so what is
 * printed is a single-use wrapping token, never the secret ID. That token goes into a
 * BigFix secure parameter; the endpoint exchanges it at POST /v1/enroll. `--no-wrap`
 * prints the raw secret ID (for tests and break-glass) with a warning.
 *
 * `list`, `lookup` and `revoke` are the security team's: by accessor, which identifies a
 * secret ID without being able to log in with it.
 */
import type { Command } from 'commander';
import { buildSecretIdRequest, parseWrapTtl, SecretIdOptionError } from '../../lifecycle/secret-id-request';
import { VaultAdmin, type SecretIdInfo } from '../../vault/admin';
import { isVaultResponseError } from '../../vault/vault-http';
import { CliFailure, EXIT, loadConfigOrFail, runCommand, vaultAccess, vaultFailure, type VaultFlags } from '../lifecycle-support';

interface CommonFlags extends VaultFlags {
  role: string;
  json?: boolean;
}

interface IssueFlags extends CommonFlags {
  computerId?: string;
  cidr?: string[];
  loginCidr?: string[];
  ttl?: string;
  numUses?: string;
  wrapTtl: string;
  wrap: boolean;
}

const ROLE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ACCESSOR = /^[A-Za-z0-9-]{1,128}$/;

function admin(flags: CommonFlags): VaultAdmin {
  if (!ROLE.test(flags.role)) throw new CliFailure(`--role: ${JSON.stringify(flags.role)} is not a role name (lower-case letters, digits, "_", "-")`, EXIT.usage);
  const config = flags.config ? loadConfigOrFail(flags.config) : undefined;
  const access = vaultAccess(flags, process.env, config);
  return new VaultAdmin(access.http, access.token, access.approleMount);
}

function print(flags: { json?: boolean }, human: string[], json: unknown): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json)}\n` : `${human.join('\n')}\n`);
}

function optionFailure(err: unknown): never {
  if (err instanceof SecretIdOptionError) throw new CliFailure(err.message, EXIT.usage);
  throw err;
}

/** 404 from secret-id creation = unknown role (reference §3.4); reading the role first would need a right the operator lacks. */
function issueFailure(err: unknown, role: string): CliFailure | unknown {
  if (isVaultResponseError(err) && err.status === 404) return new CliFailure(`unknown role ${role} (Vault has no AppRole role of that name)`, EXIT.notFound);
  if (isVaultResponseError(err) && err.status === 400) return new CliFailure(`Vault refused the request for role ${role}: ${err.errors.join('; ')}`, EXIT.usage);
  return vaultFailure(err, `issuing a secret ID for role ${role}`) ?? err;
}

async function issue(flags: IssueFlags): Promise<number> {
  let body;
  let wrapTtl = 0;
  try {
    const numUses = flags.numUses === undefined ? undefined : /^\d+$/.test(flags.numUses) ? Number(flags.numUses) : NaN;
    body = buildSecretIdRequest({ computerId: flags.computerId, cidr: flags.cidr, loginCidr: flags.loginCidr, ttl: flags.ttl, numUses });
    if (flags.wrap) wrapTtl = parseWrapTtl(flags.wrapTtl);
  } catch (err) {
    optionFailure(err);
  }
  const vault = admin(flags);
  if (!flags.wrap) {
    let raw;
    try {
      raw = await vault.issueRawSecretId(flags.role, body);
    } catch (err) {
      throw issueFailure(err, flags.role);
    }
    process.stderr.write(
      'WARNING: this is a raw secret ID. Anyone who sees it can act as this endpoint. Do not put it into BigFix content, ' +
        'tickets or chat; prefer the default (response-wrapped) output.\n',
    );
    print(flags, [`secret_id ${raw.secretId}`, `secret_id_accessor ${raw.accessor}`, `secret_id_ttl ${raw.ttl}`, `secret_id_num_uses ${raw.numUses}`], {
      secret_id: raw.secretId,
      secret_id_accessor: raw.accessor,
      secret_id_ttl: raw.ttl,
      secret_id_num_uses: raw.numUses,
    });
    return EXIT.ok;
  }
  let w;
  try {
    w = await vault.issueWrappedSecretId(flags.role, body, wrapTtl);
  } catch (err) {
    throw issueFailure(err, flags.role);
  }
  const created = Date.parse(w.creationTime);
  const expiresAt = new Date((Number.isNaN(created) ? Date.now() : created) + w.ttl * 1000).toISOString();
  print(flags, [`wrapping_token ${w.token}`, `wrapping_accessor ${w.accessor}`, `expires_at ${expiresAt}`], {
    wrapping_token: w.token,
    wrapping_accessor: w.accessor,
    expires_at: expiresAt,
  });
  return EXIT.ok;
}

async function requireRole(vault: VaultAdmin, role: string): Promise<void> {
  let r;
  try {
    r = await vault.readRole(role);
  } catch (err) {
    throw vaultFailure(err, `reading role ${role}`) ?? err;
  }
  if (r === null) throw new CliFailure(`unknown role ${role} (Vault has no AppRole role of that name)`, EXIT.notFound);
}

function infoLines(i: SecretIdInfo): string {
  const meta = Object.entries(i.metadata)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${i.accessor}  created ${i.creationTime}  expires ${i.expirationTime ?? 'never'}  uses_left ${i.remainingUses === 0 ? 'unlimited' : i.remainingUses}  metadata ${meta || '-'}${i.cidrList.length ? `  cidr_list ${i.cidrList.join(',')}` : ''}`;
}

async function list(flags: CommonFlags): Promise<number> {
  const vault = admin(flags);
  await requireRole(vault, flags.role);
  const infos: SecretIdInfo[] = [];
  try {
    for (const accessor of await vault.listSecretIdAccessors(flags.role)) {
      const info = await vault.lookupSecretIdAccessor(flags.role, accessor);
      if (info) infos.push(info);
    }
  } catch (err) {
    throw vaultFailure(err, `listing secret IDs of role ${flags.role}`) ?? err;
  }
  infos.sort((a, b) => (a.creationTime < b.creationTime ? -1 : 1));
  print(flags, infos.length ? infos.map(infoLines) : [`role ${flags.role} has no secret IDs`], infos);
  return EXIT.ok;
}

function checkAccessor(a: string): string {
  if (!ACCESSOR.test(a)) throw new CliFailure('--accessor: not a secret-ID accessor', EXIT.usage);
  return a;
}

async function lookup(flags: CommonFlags & { accessor: string }): Promise<number> {
  const accessor = checkAccessor(flags.accessor);
  const vault = admin(flags);
  await requireRole(vault, flags.role);
  let info;
  try {
    info = await vault.lookupSecretIdAccessor(flags.role, accessor);
  } catch (err) {
    throw vaultFailure(err, `looking up accessor ${accessor}`) ?? err;
  }
  if (!info) throw new CliFailure(`role ${flags.role} has no secret ID with accessor ${accessor}`, EXIT.notFound);
  print(flags, [infoLines(info)], info);
  return EXIT.ok;
}

async function revoke(flags: CommonFlags & { accessor: string }): Promise<number> {
  const accessor = checkAccessor(flags.accessor);
  const vault = admin(flags);
  await requireRole(vault, flags.role);
  try {
    // Vault answers 500 for an unknown accessor on destroy; look it up first for a clear error.
    if (!(await vault.lookupSecretIdAccessor(flags.role, accessor))) {
      throw new CliFailure(`role ${flags.role} has no secret ID with accessor ${accessor}`, EXIT.notFound);
    }
    await vault.destroySecretIdAccessor(flags.role, accessor);
  } catch (err) {
    if (err instanceof CliFailure) throw err;
    throw vaultFailure(err, `revoking accessor ${accessor}`) ?? err;
  }
  print(flags, [`revoked secret ID ${accessor} of role ${flags.role}`], { revoked: accessor, role: flags.role });
  return EXIT.ok;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

function vaultOptions(cmd: Command): Command {
  return cmd
    .option('--vault-addr <url>', 'Vault address (default: VAULT_ADDR, then vault.address from --config)')
    .option('--vault-token-file <file>', 'file holding the Vault token (default: VAULT_TOKEN)')
    .option('--vault-ca-cert <file>', "CA certificate for Vault's TLS (default: VAULT_CACERT, then vault.tls.ca_file from --config)")
    .option('--config <file>', 'broker config, for the Vault address, TLS and AppRole mount')
    .option('--json', 'print JSON');
}

export function register(program: Command): void {
  const sid = program.command('secret-id').description('Issue, list, look up and revoke endpoint secret IDs');
  vaultOptions(
    sid
      .command('issue')
      .description('Issue a secret ID, response-wrapped (prints a single-use wrapping token for a BigFix secure parameter)')
      .requiredOption('--role <name>', 'endpoint group (AppRole role)')
      .option('--computer-id <id>', 'BigFix computer id, stored in the secret-ID metadata (audit trail)')
      .option('--cidr <cidr>', "endpoint's address or network, enforced by the broker (repeatable or comma-separated)", collect)
      .option('--login-cidr <cidr>', "Vault's own cidr_list: addresses allowed to log in with it (the broker's, or the endpoint's in Bearer mode)", collect)
      .option('--ttl <duration>', "secret ID lifetime (default: the role's secret_id_ttl)")
      .option('--num-uses <n>', "logins allowed (default: the role's secret_id_num_uses; 0 = unlimited)")
      .option('--wrap-ttl <duration>', 'lifetime of the wrapping token, 1m to 24h', '10m')
      .option('--no-wrap', 'print the raw secret ID instead (warning on stderr)'),
  ).action((flags: IssueFlags) => runCommand(() => issue(flags)));
  vaultOptions(sid.command('list').description("List a role's secret IDs by accessor, with metadata and expiry").requiredOption('--role <name>', 'AppRole role')).action(
    (flags: CommonFlags) => runCommand(() => list(flags)),
  );
  vaultOptions(
    sid.command('lookup').description('Show one secret ID by accessor').requiredOption('--role <name>', 'AppRole role').requiredOption('--accessor <accessor>', 'secret-ID accessor'),
  ).action((flags: CommonFlags & { accessor: string }) => runCommand(() => lookup(flags)));
  vaultOptions(
    sid.command('revoke').description('Revoke (destroy) one secret ID by accessor').requiredOption('--role <name>', 'AppRole role').requiredOption('--accessor <accessor>', 'secret-ID accessor'),
  ).action((flags: CommonFlags & { accessor: string }) => runCommand(() => revoke(flags)));
}
