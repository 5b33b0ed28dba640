/**
 * A real broker for component tests: devvault set up like a site (AppRole, the policies
 * from vault-policies/, a broker role, endpoint roles, a tool key in KV v2), the fake
 * target, and the broker itself listening on a free loopback port. Every log line the
 * broker writes and every response a test receives through `call()` is kept, so a test
 * can look for secrets in them.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { composeBroker, type Broker } from '../../src/compose';
import { validateConfig } from '../../src/config';
import { startDevVault, type DevVaultHandle } from '../../src/devvault';
import { DEFAULT_POLICIES_DIR } from '../../src/dev/sandbox-vault';
import { VaultAdmin } from '../../src/vault/admin';
import { VaultHttp } from '../../src/vault/vault-http';
import { closedPort, startFakeTarget, type FakeTarget } from './fake-target';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface EndpointCreds {
  role: string;
  roleId: string;
  secretId: string;
}

export interface BrokerResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Harness {
  vault: DevVaultHandle;
  target: FakeTarget;
  broker: Broker;
  url: string;
  /** May run echo, lookup, echo_down, missing_key. */
  allowed: EndpointCreds;
  /** May run only lookup. */
  lookupOnly: EndpointCreds;
  toolKey: string;
  /** Every secret value the harness created or learned (for leak checks). */
  secrets: Set<string>;
  logs: string[];
  responses: string[];
  call(path: string, init?: { method?: string; creds?: { roleId: string; secretId: string } | null; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<BrokerResponse>;
  invoke(action: string, body: unknown, creds?: { roleId: string; secretId: string }): Promise<BrokerResponse>;
  rotateKey(): Promise<string>;
  root(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> | null }>;
  close(): Promise<void>;
}

export const TOOL_KEY_PATH = 'secret/data/tools/fake';

const ALLOWED_POLICY = `
path "broker/actions/echo"        { capabilities = ["update"] }
path "broker/actions/lookup"      { capabilities = ["update"] }
path "broker/actions/echo_down"   { capabilities = ["update"] }
path "broker/actions/missing_key" { capabilities = ["update"] }
path "broker/actions/plain_text"  { capabilities = ["update"] }
`;
const LOOKUP_ONLY_POLICY = `path "broker/actions/lookup" { capabilities = ["update"] }\n`;

function brokerPolicy(): string {
  const file = join(DEFAULT_POLICIES_DIR, 'broker.hcl');
  return existsSync(file) ? readFileSync(file, 'utf8') : 'path "secret/data/tools/*" { capabilities = ["read"] }\n';
}

export async function startHarness(options: { keyCacheSeconds?: number; targetTimeoutMs?: number; tokenType?: 'batch' | 'service' } = {}): Promise<Harness> {
  const vault = await startDevVault({ port: 0 });
  const admin = new VaultAdmin({ address: vault.address }, vault.rootToken);
  const http = new VaultHttp({ address: vault.address });
  const secrets = new Set<string>([vault.rootToken]);
  const root: Harness['root'] = async (method, path, body) => {
    const r = await http.call({ method, path, token: vault.rootToken, body });
    return r;
  };

  await admin.apply({ kind: 'enable-auth', path: 'approle', type: 'approle' });
  await admin.writePolicy('broker', brokerPolicy());
  await admin.writePolicy('endpoint-allowed', ALLOWED_POLICY);
  await admin.writePolicy('endpoint-lookup', LOOKUP_ONLY_POLICY);
  const role = (policies: string[], tokenType: 'batch' | 'service') => ({
    bind_secret_id: true,
    token_type: tokenType,
    token_ttl: 300,
    token_max_ttl: 600,
    token_policies: policies,
    token_no_default_policy: false,
    secret_id_ttl: 0,
    secret_id_num_uses: 0,
    secret_id_bound_cidrs: [],
  });
  await admin.writeRole('credential-broker', role(['broker'], 'service'));
  await admin.writeRole('endpoints-allowed', role(['endpoint-allowed'], options.tokenType ?? 'batch'));
  await admin.writeRole('endpoints-lookup', role(['endpoint-lookup'], 'service'));
  const creds = async (name: string, computerId: string): Promise<EndpointCreds> => {
    const roleId = (await admin.readRoleId(name)) as string;
    const { secretId } = await admin.issueRawSecretId(name, { metadata: JSON.stringify({ computer_id: computerId }) });
    secrets.add(secretId);
    return { role: name, roleId, secretId };
  };
  const brokerCreds = await creds('credential-broker', 'broker');
  const allowed = await creds('endpoints-allowed', '4242');
  const lookupOnly = await creds('endpoints-lookup', '4343');

  let toolKey = `tk-${randomBytes(24).toString('base64url')}`;
  secrets.add(toolKey);
  await root('POST', TOOL_KEY_PATH, { data: { api_key: toolKey } });
  const target = await startFakeTarget({ apiKey: toolKey });
  const downPort = await closedPort();

  const config = validateConfig({
    listen: { host: '127.0.0.1', port: 0, max_body_bytes: 2048 },
    vault: {
      address: vault.address,
      retry_after_seconds: 7,
      broker_auth: { method: 'approle', role_id: { value: brokerCreds.roleId }, secret_id: { env: 'BROKER_SECRET_ID' } },
    },
    key_cache_seconds: options.keyCacheSeconds ?? 0,
    log: { level: 'debug' },
    targets: {
      fake: {
        base_url: `${target.url}/api/v2`,
        credential: { ref: `${TOOL_KEY_PATH}#api_key`, inject: { type: 'bearer' } },
        timeout_ms: options.targetTimeoutMs ?? 500,
      },
      down: {
        base_url: `http://127.0.0.1:${downPort}/api`,
        credential: { ref: `${TOOL_KEY_PATH}#api_key`, inject: { type: 'bearer' } },
        timeout_ms: 500,
      },
      nokey: {
        base_url: target.url,
        credential: { ref: 'secret/data/tools/absent#api_key', inject: { type: 'bearer' } },
      },
    },
    actions: {
      echo: {
        target: 'fake',
        method: 'POST',
        path: '/tickets/{queue}',
        parameters: {
          queue: { type: 'string', pattern: '^[a-z]+$' },
          summary: { type: 'string', min_length: 1, max_length: 200 },
          priority: { type: 'integer', minimum: 1, maximum: 5, required: false },
        },
        body: { title: '{summary}', priority: '{priority}', source: 'bigfix' },
        result: { id: 'id', status: 'status', deep: 'nested.deep.value', missing: 'no.such.field' },
      },
      lookup: {
        target: 'fake',
        method: 'GET',
        path: '/items/{item}',
        parameters: { item: { type: 'string', max_length: 100 }, q: { type: 'string', required: false } },
        query: { search: '{q}', fixed: 'yes' },
        result: ['path', 'query'],
      },
      echo_down: { target: 'down', method: 'POST', path: '/x', parameters: {}, body: { a: 1 }, result: ['id'] },
      missing_key: { target: 'nokey', method: 'GET', path: '/x', result: ['id'] },
      plain_text: { target: 'fake', method: 'GET', path: '/text', result: ['id'] },
    },
  });

  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
      cb();
    },
  });
  const broker = composeBroker({ config, env: { BROKER_SECRET_ID: brokerCreds.secretId }, logStream });
  const server = await broker.start();
  const responses: string[] = [];

  const call: Harness['call'] = async (path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const c = init.creds === undefined ? allowed : init.creds;
    if (c) headers.authorization = `Basic ${Buffer.from(`${c.roleId}:${c.secretId}`).toString('base64')}`;
    let body: string | undefined = init.rawBody;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${server.url}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
    const text = await res.text();
    responses.push(JSON.stringify([...res.headers.entries()]) + text);
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  return {
    vault,
    target,
    broker,
    url: server.url,
    allowed,
    lookupOnly,
    get toolKey() {
      return toolKey;
    },
    secrets,
    logs,
    responses,
    call,
    invoke: (action, body, creds) => call(`/v1/actions/${action}`, { method: 'POST', body, creds }),
    rotateKey: async () => {
      toolKey = `tk-${randomBytes(24).toString('base64url')}`;
      secrets.add(toolKey);
      await root('POST', TOOL_KEY_PATH, { data: { api_key: toolKey } });
      target.acceptKey(toolKey);
      return toolKey;
    },
    root,
    close: async () => {
      await broker.stop();
      await target.close();
      await vault.close();
    },
  };
}
