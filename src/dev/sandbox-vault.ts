/**
 * Sets up a fresh devvault (or any empty dev Vault) the way the security team would for
 * a site, in miniature, with the same code `credential-broker vault bootstrap` runs:
 * the sandbox config's `endpoint_groups` and vault-policies/ become the desired state
 * (src/lifecycle/desired-state.ts), which is planned against what Vault has and applied.
 * So the sandbox gets the real broker role (with `broker-enrollment`, which
 * POST /v1/enroll needs), one role and generated policy per endpoint group, and KV v2.
 *
 * Then, by hand, what bootstrap does not do: an extra endpoint role that may run nothing
 * (to show a 403; a group must list at least one action, so it is not a group and
 * cannot enroll), the demo tool's key in KV v2, and a secret ID per role.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { BrokerConfig } from '../config';
import { planBootstrap } from '../lifecycle/bootstrap-plan';
import { buildDesiredState, readPolicyFiles } from '../lifecycle/desired-state';
import { VaultAdmin } from '../vault/admin';
import { VaultHttp } from '../vault/vault-http';
import { sandboxConfig, SANDBOX_TOOL_KEY_PATH } from './sandbox-config';

/** vault-policies/ at the package root (from src/dev or dist/dev alike). */
export const DEFAULT_POLICIES_DIR = resolve(__dirname, '..', '..', 'vault-policies');

export { SANDBOX_TOOL_KEY_PATH, SANDBOX_TOOL_KEY_REF } from './sandbox-config';

/** The endpoint role that may run nothing. Not an endpoint group: see the file comment. */
export const DENIED_ROLE = 'demo-denied';
const DENIED_POLICY = `# Sandbox only: an endpoint role that may run no action. It keeps Vault's default
# policy, so the broker can still ask sys/capabilities-self (and hears "deny").
path "broker/actions/none" { capabilities = ["deny"] }
`;

export interface SandboxEndpoint {
  role: string;
  role_id: string;
  secret_id: string;
  allowed_actions: string[];
}

export interface SandboxVault {
  brokerRoleId: string;
  brokerSecretId: string;
  toolKey: string;
  endpoints: SandboxEndpoint[];
  /** Writes a new tool key version (rotation). */
  rotateToolKey(newKey?: string): Promise<string>;
}

export function newDemoKey(): string {
  return `demo-${randomBytes(18).toString('base64url')}`;
}

/** Runs what `vault bootstrap` would for `config`; throws on a conflict (a fresh devvault has none). */
async function bootstrap(admin: VaultAdmin, config: BrokerConfig, policiesDir: string): Promise<void> {
  const desired = buildDesiredState(config, readPolicyFiles(policiesDir));
  const observed = await admin.observe(
    desired.policies.map((p) => p.name),
    desired.roles.map((r) => r.name),
    desired.approleMount,
  );
  const plan = planBootstrap(desired, observed);
  if (plan.conflicts.length > 0) throw new Error(`sandbox Vault setup: ${plan.conflicts.join('; ')}`);
  for (const step of plan.steps) await admin.apply(step);
}

export async function setupSandboxVault(
  address: string,
  rootToken: string,
  options: { config?: BrokerConfig; policiesDir?: string; toolKey?: string } = {},
): Promise<SandboxVault> {
  // Without a config: the sandbox's own (its target URL does not matter for the setup).
  const config = options.config ?? sandboxConfig({ host: '127.0.0.1', port: 0, vaultAddr: address, targetUrl: 'http://127.0.0.1:1', keyCacheSeconds: 30 });
  const mount = config.vault.approle_mount;
  const admin = new VaultAdmin({ address }, rootToken, mount);
  const http = new VaultHttp({ address });

  await bootstrap(admin, config, options.policiesDir ?? DEFAULT_POLICIES_DIR);

  await admin.writePolicy('endpoint-demo-denied', DENIED_POLICY);
  await admin.writeRole(DENIED_ROLE, {
    bind_secret_id: true,
    token_type: 'batch',
    token_ttl: 60,
    token_max_ttl: 60,
    token_policies: ['endpoint-demo-denied'],
    token_no_default_policy: false,
    secret_id_ttl: 0,
    secret_id_num_uses: 0,
    secret_id_bound_cidrs: [],
  });

  const writeKey = async (key: string) => {
    await http.ok({ method: 'POST', path: SANDBOX_TOOL_KEY_PATH, token: rootToken, body: { data: { api_key: key } } });
    return key;
  };
  const toolKey = await writeKey(options.toolKey ?? newDemoKey());

  const credentials = async (name: string, computerId: string) => {
    const roleId = await admin.readRoleId(name);
    const secret = await admin.issueRawSecretId(name, { metadata: JSON.stringify({ computer_id: computerId }) });
    if (!roleId || !secret.secretId) throw new Error(`could not get credentials for role ${name}`);
    return { roleId, secretId: secret.secretId };
  };
  const broker = await credentials(config.bootstrap.broker_role.name, 'broker');
  const endpoints: SandboxEndpoint[] = [];
  let computerId = 1001;
  for (const [group, g] of Object.entries(config.endpoint_groups)) {
    const c = await credentials(group, String(computerId++));
    endpoints.push({ role: group, role_id: c.roleId, secret_id: c.secretId, allowed_actions: [...g.actions] });
  }
  const denied = await credentials(DENIED_ROLE, String(computerId++));
  endpoints.push({ role: DENIED_ROLE, role_id: denied.roleId, secret_id: denied.secretId, allowed_actions: [] });

  return {
    brokerRoleId: broker.roleId,
    brokerSecretId: broker.secretId,
    toolKey,
    endpoints,
    rotateToolKey: (newKey) => writeKey(newKey ?? newDemoKey()),
  };
}
