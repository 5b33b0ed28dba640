/**
 * A site for idempotency, shaping and scale tests: devvault set up with AppRole, a
 * broker role and two endpoint roles that may both run the `echo*` actions, a tool key in
 * KV v2, and a counting target (tests/support/counting-target.ts). `brokerConfig()` gives
 * the broker config (as an object, to pass to composeBroker or write to a file for
 * `serve`), with the shaping parts the test asks for.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { composeBroker, type Broker } from '../../src/compose';
import { validateConfig } from '../../src/config';
import { startDevVault, type DevVaultHandle } from '../../src/devvault';
import type { RateLimitSettings } from '../../src/shaping';
import { VaultAdmin } from '../../src/vault/admin';
import { VaultHttp } from '../../src/vault/vault-http';
import { startCountingTarget, type CountingTarget } from './counting-target';

export interface Creds {
  role: string;
  roleId: string;
  secretId: string;
}

export interface SiteOptions {
  targetRateLimit?: RateLimitSettings;
  actionRateLimit?: RateLimitSettings;
  circuitBreaker?: { failure_threshold?: number; open_seconds?: number };
  idempotencyTtlSeconds?: number;
  store?: string;
  targetTimeoutMs?: number;
  vaultTimeoutMs?: number;
  /** Key cache time; 60 s by default so Vault is not read per call. */
  keyCacheSeconds?: number;
}

export interface Site {
  vault: DevVaultHandle;
  target: CountingTarget;
  web: Creds;
  db: Creds;
  broker: Creds;
  toolKey: string;
  brokerConfig(overrides?: { port?: number }): Record<string, unknown>;
  close(): Promise<void>;
}

const ENDPOINT_POLICY = 'path "broker/actions/*" { capabilities = ["update"] }\n';
const BROKER_POLICY = 'path "secret/data/tools/*" { capabilities = ["read"] }\n';

export async function startSite(options: SiteOptions = {}): Promise<Site> {
  const vault = await startDevVault({ port: 0 });
  const admin = new VaultAdmin({ address: vault.address }, vault.rootToken);
  const http = new VaultHttp({ address: vault.address });
  await admin.apply({ kind: 'enable-auth', path: 'approle', type: 'approle' });
  await admin.writePolicy('broker', BROKER_POLICY);
  await admin.writePolicy('endpoint', ENDPOINT_POLICY);
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
  await admin.writeRole('web', role(['endpoint'], 'batch'));
  await admin.writeRole('db', role(['endpoint'], 'batch'));
  const creds = async (name: string): Promise<Creds> => {
    const roleId = (await admin.readRoleId(name)) as string;
    const { secretId } = await admin.issueRawSecretId(name, { metadata: JSON.stringify({ computer_id: name }) });
    return { role: name, roleId, secretId };
  };
  const broker = await creds('credential-broker');
  const web = await creds('web');
  const db = await creds('db');
  const toolKey = `tk-${randomBytes(24).toString('base64url')}`;
  await http.call({ method: 'POST', path: 'secret/data/tools/counter', token: vault.rootToken, body: { data: { api_key: toolKey } } });
  const target = await startCountingTarget({ apiKey: toolKey });

  const brokerConfig = (overrides: { port?: number } = {}) => ({
    listen: { host: '127.0.0.1', port: overrides.port ?? 0 },
    vault: {
      address: vault.address,
      request_timeout_ms: options.vaultTimeoutMs ?? 2000,
      broker_auth: {
        method: 'approle',
        role_id: { value: broker.roleId },
        secret_id: { env: 'BROKER_SECRET_ID' },
      },
    },
    key_cache_seconds: options.keyCacheSeconds ?? 60,
    log: { level: 'warn' },
    targets: {
      counter: {
        base_url: target.url,
        allow_insecure_http: true,
        credential: { ref: 'secret/data/tools/counter#api_key', inject: { type: 'bearer' } },
        timeout_ms: options.targetTimeoutMs ?? 2000,
        ...(options.targetRateLimit ? { rate_limit: options.targetRateLimit } : {}),
      },
    },
    actions: {
      echo: {
        target: 'counter',
        method: 'POST',
        path: '/echo',
        parameters: { message: { type: 'string', min_length: 1, max_length: 200 } },
        body: { message: '{message}' },
        result: { ok: 'ok', message: 'echo.message' },
        ...(options.actionRateLimit ? { rate_limit: options.actionRateLimit } : {}),
      },
      echo_other: {
        target: 'counter',
        method: 'POST',
        path: '/other',
        parameters: { message: { type: 'string', min_length: 1, max_length: 200 } },
        body: { message: '{message}' },
        result: { ok: 'ok' },
      },
    },
    ...(options.store ? { state: { store: options.store } } : {}),
    ...(options.idempotencyTtlSeconds ? { idempotency: { ttl_seconds: options.idempotencyTtlSeconds } } : {}),
    ...(options.circuitBreaker ? { circuit_breaker: options.circuitBreaker } : {}),
  });

  return {
    vault,
    target,
    web,
    db,
    broker,
    toolKey,
    brokerConfig,
    close: async () => {
      await target.close();
      await vault.close();
    },
  };
}

export interface RunningBroker {
  broker: Broker;
  url: string;
  logs: string[];
  stop(): Promise<void>;
}

/** A broker in this process for `site`, listening on a free loopback port. */
export async function startBroker(site: Site): Promise<RunningBroker> {
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
      cb();
    },
  });
  const config = validateConfig(site.brokerConfig());
  const broker = composeBroker({ config, env: { BROKER_SECRET_ID: site.broker.secretId }, logStream });
  const server = await broker.start();
  return { broker, url: server.url, logs, stop: () => broker.stop() };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** POST /v1/actions/{action} as `creds`, with an optional Idempotency-Key. */
export async function invoke(
  url: string,
  creds: Creds,
  action: string,
  params: unknown,
  key?: string,
): Promise<Answer> {
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${creds.roleId}:${creds.secretId}`).toString('base64')}`,
    'content-type': 'application/json',
  };
  if (key !== undefined) headers['idempotency-key'] = key;
  const res = await fetch(`${url}/v1/actions/${action}`, { method: 'POST', headers, body: JSON.stringify(params) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}
