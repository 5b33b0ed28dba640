/**
 * Sets up a fresh devvault (or any empty dev Vault) the way the security team would for
 * a site, in miniature: AppRole enabled, the broker's policy and role, two endpoint
 * roles (one may run `echo`, one may not), and the demo tool's key in KV v2.
 * Policies come from vault-policies/ when the files exist, so the sandbox runs on the
 * same policies production uses.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VaultAdmin } from '../vault/admin';
import { VaultHttp } from '../vault/vault-http';

/** vault-policies/ at the package root (from src/dev or dist/dev alike). */
export const DEFAULT_POLICIES_DIR = resolve(__dirname, '..', '..', 'vault-policies');

export const SANDBOX_TOOL_KEY_PATH = 'secret/data/tools/demo';
export const SANDBOX_TOOL_KEY_REF = `${SANDBOX_TOOL_KEY_PATH}#api_key`;
export const BROKER_ROLE = 'credential-broker';

const INLINE_POLICIES: Record<string, string> = {
  broker: `path "secret/data/tools/*" { capabilities = ["read"] }
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
path "auth/token/revoke-self" { capabilities = ["update"] }
`,
  'endpoint-demo': `path "broker/actions/echo" { capabilities = ["update"] }
path "broker/actions/echo_limited" { capabilities = ["update"] }
`,
};

/** A group that may run nothing (it keeps Vault's default policy, so it can still ask). */
const DENIED_POLICY = `# Sandbox only: an endpoint group that may run no action.
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

function policyText(dir: string, name: string): string {
  const file = join(dir, `${name}.hcl`);
  return existsSync(file) ? readFileSync(file, 'utf8') : (INLINE_POLICIES[name] as string);
}

export async function setupSandboxVault(
  address: string,
  rootToken: string,
  options: { policiesDir?: string; toolKey?: string } = {},
): Promise<SandboxVault> {
  const dir = options.policiesDir ?? DEFAULT_POLICIES_DIR;
  const admin = new VaultAdmin({ address }, rootToken);
  const http = new VaultHttp({ address });

  await admin.apply({ kind: 'enable-auth', path: 'approle', type: 'approle' });
  await admin.writePolicy('broker', policyText(dir, 'broker'));
  await admin.writePolicy('endpoint-demo', policyText(dir, 'endpoint-demo'));
  await admin.writePolicy('endpoint-demo-denied', DENIED_POLICY);

  const role = (policies: string[], tokenType: 'batch' | 'service', ttl: number) => ({
    bind_secret_id: true,
    token_type: tokenType,
    token_ttl: ttl,
    token_max_ttl: ttl * 4,
    token_policies: policies,
    token_no_default_policy: false,
    secret_id_ttl: 0,
    secret_id_num_uses: 0,
    secret_id_bound_cidrs: [],
  });
  await admin.writeRole(BROKER_ROLE, role(['broker'], 'service', 3600));
  await admin.writeRole('demo-allowed', role(['endpoint-demo'], 'batch', 60));
  await admin.writeRole('demo-denied', role(['endpoint-demo-denied'], 'batch', 60));

  const writeKey = async (key: string) => {
    await http.ok({ method: 'POST', path: SANDBOX_TOOL_KEY_PATH, token: rootToken, body: { data: { api_key: key } } });
    return key;
  };
  const toolKey = await writeKey(options.toolKey ?? `demo-${randomBytes(18).toString('base64url')}`);

  const credentials = async (name: string, computerId: string) => {
    const roleId = await admin.readRoleId(name);
    const secret = await admin.issueRawSecretId(name, { metadata: JSON.stringify({ computer_id: computerId }) });
    if (!roleId || !secret.secretId) throw new Error(`could not get credentials for role ${name}`);
    return { roleId, secretId: secret.secretId };
  };
  const broker = await credentials(BROKER_ROLE, 'broker');
  const allowed = await credentials('demo-allowed', '1001');
  const denied = await credentials('demo-denied', '1002');

  return {
    brokerRoleId: broker.roleId,
    brokerSecretId: broker.secretId,
    toolKey,
    endpoints: [
      { role: 'demo-allowed', role_id: allowed.roleId, secret_id: allowed.secretId, allowed_actions: ['echo', 'echo_limited'] },
      { role: 'demo-denied', role_id: denied.roleId, secret_id: denied.secretId, allowed_actions: [] },
    ],
    rotateToolKey: (newKey) => writeKey(newKey ?? `demo-${randomBytes(18).toString('base64url')}`),
  };
}
