/**
 * A live site for the endpoint-script tests: devvault (or a real Vault from VAULT_ADDR /
 * VAULT_TOKEN) bootstrapped by the CLI (`vault bootstrap`, from dist/), the real broker
 * (composeBroker) logged in with its own AppRole identity, and a counting tool API.
 *
 * The actions are chosen so every exit code of broker-invoke can be produced for real:
 * `echo` (works; 400 on bad parameters), `echo_limited` (one call per five seconds, so the
 * second call gets 429 with Retry-After), `broken` (its target is a closed port: 502),
 * `slow` (the target answers after its timeout: 504) and `restart` (not granted to the
 * `fleet` group: 403).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeBroker, type Broker } from '../../src/compose';
import { parseConfig } from '../../src/config';
import { startCountingTarget, type CountingTarget } from '../support/counting-target';
import { closedPort } from '../support/endpoint-scripts';
import { VaultClient } from '../support/vault-http';
import { startTestVault, type TestVault } from '../support/vault';
import { LogCapture, runCli, tempDir } from '../lifecycle/harness';

export const TOOL_KEY = 'tool-key-bigfix-5c3e1a9d77';

function siteYaml(o: { vaultAddr: string; targetUrl: string; downUrl: string; brokerAuth: string }): string {
  return `
listen: { host: 127.0.0.1, port: 0 }
vault:
  address: ${o.vaultAddr}
  retry_after_seconds: 2
  broker_auth:
${o.brokerAuth}
key_cache_seconds: 0
targets:
  demo:
    base_url: ${o.targetUrl}
    credential: { ref: "secret/data/tools/demo#api_key", inject: { type: bearer } }
    timeout_ms: 5000
  slowdemo:
    base_url: ${o.targetUrl}
    credential: { ref: "secret/data/tools/demo#api_key", inject: { type: bearer } }
    timeout_ms: 300
  down:
    base_url: ${o.downUrl}
    credential: { ref: "secret/data/tools/demo#api_key", inject: { type: bearer } }
    timeout_ms: 500
actions:
  echo:
    description: Sends a message to the demo tool, which sends it back.
    target: demo
    method: POST
    path: /echo
    parameters:
      message: { type: string, min_length: 1, max_length: 200, description: the text to echo }
      count: { type: integer, minimum: 1, maximum: 9, required: false }
    body: { message: "{message}", count: "{count}" }
    result: { message: echo.message, count: echo.count }
  echo_limited:
    target: demo
    method: POST
    path: /echo
    parameters:
      message: { type: string, min_length: 1, max_length: 200 }
    body: { message: "{message}" }
    result: { message: echo.message }
    rate_limit: { per_second: 0.2, burst: 1, queue_ms: 0 }
  slow:
    target: slowdemo
    method: POST
    path: /slow
    result: [ok]
  broken:
    target: down
    method: POST
    path: /x
    result: [ok]
  restart:
    target: demo
    method: POST
    path: /restart
endpoint_groups:
  fleet:
    actions: [echo, echo_limited, slow, broken]
  ops:
    actions: [restart]
endpoint_auth:
  approle: true
`;
}

export interface LiveSite {
  url: string;
  vault: TestVault;
  root: VaultClient;
  target: CountingTarget;
  broker: Broker;
  log: LogCapture;
  roleIds: Record<string, string>;
  cliEnv: Record<string, string>;
  configFile: string;
  /** Every secret the site created or a test learned: must never be seen anywhere. */
  secrets: Set<string>;
  /** A response-wrapped secret ID for `role`, as `secret-id issue` (the operator's CLI) prints it. */
  wrappedSecretId(role: string, extra?: string[]): Promise<string>;
  /** A raw secret ID for `role` (root token shortcut). */
  rawSecretId(role: string): Promise<string>;
  close(): Promise<void>;
}

export async function startLiveSite(): Promise<LiveSite> {
  const vault = await startTestVault();
  const dir = tempDir();
  const target = await startCountingTarget({ apiKey: TOOL_KEY });
  const downUrl = `http://127.0.0.1:${await closedPort()}`;
  const root = new VaultClient(vault.addr, vault.rootToken);
  const secrets = new Set<string>([vault.rootToken, TOOL_KEY]);
  const cliEnv = { VAULT_ADDR: vault.addr, VAULT_TOKEN: vault.rootToken };

  const configFile = join(dir, 'broker.yaml');
  const tokenAuth = '    method: token\n    token: { env: UNUSED_BOOTSTRAP_TOKEN }';
  writeFileSync(configFile, siteYaml({ vaultAddr: vault.addr, targetUrl: target.url, downUrl, brokerAuth: tokenAuth }));
  const boot = await runCli(['vault', 'bootstrap', '--config', configFile], cliEnv);
  if (boot.code !== 0) throw new Error(`bootstrap failed (is dist/ built?): ${boot.stderr}${boot.stdout}`);
  const put = await root.call('POST', 'secret/data/tools/demo', { body: { data: { api_key: TOOL_KEY } } });
  if (put.status !== 200) throw new Error(`cannot write the tool key: ${put.status}`);

  const roleIds: Record<string, string> = {};
  for (const role of ['credential-broker', 'fleet', 'ops']) {
    roleIds[role] = (await root.call('GET', `auth/approle/role/${role}/role-id`)).json.data.role_id;
  }
  const rawSecretId = async (role: string): Promise<string> => {
    const r = await root.call('POST', `auth/approle/role/${role}/secret-id`, { body: {} });
    if (r.status !== 200) throw new Error(`secret-id for ${role}: ${r.status}`);
    secrets.add(r.json.data.secret_id);
    return r.json.data.secret_id as string;
  };

  const brokerSecretFile = join(dir, 'broker-secret-id');
  writeFileSync(brokerSecretFile, await rawSecretId('credential-broker'), { mode: 0o600 });
  const approleAuth = `    method: approle\n    role_id: { value: "${roleIds['credential-broker']}" }\n    secret_id: { file: ${brokerSecretFile} }`;
  const log = new LogCapture();
  const broker = composeBroker({
    config: parseConfig(siteYaml({ vaultAddr: vault.addr, targetUrl: target.url, downUrl, brokerAuth: approleAuth })),
    env: {},
    logStream: log,
  });
  const server = await broker.start();

  return {
    url: server.url,
    vault,
    root,
    target,
    broker,
    log,
    roleIds,
    cliEnv,
    configFile,
    secrets,
    rawSecretId,
    async wrappedSecretId(role, extra = []) {
      const run = await runCli(['secret-id', 'issue', '--role', role, '--json', ...extra], cliEnv);
      if (run.code !== 0) throw new Error(`secret-id issue failed: ${run.stderr}`);
      const token = (JSON.parse(run.stdout) as { wrapping_token: string }).wrapping_token;
      secrets.add(token);
      return token;
    },
    async close() {
      await broker.stop();
      await target.close();
      await vault.close();
    },
  };
}
