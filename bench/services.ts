/**
 * The benchmark's outside services, each in its own process so the load generator, the
 * broker, Vault and the target do not share an event loop (as they would not in
 * production). Started by bench/main.ts with fork(); talks over the IPC channel only,
 * so no key or secret ID ever appears in a process argument or a file.
 *
 *   services.js vault   devvault set up like the sandbox, plus a role "bench" allowed
 *                       every action; answers { cmd: "stats" } with devvault's counters
 *   services.js target  demo targets (src/dev/demo-target.ts) on free ports, started on
 *                       { cmd: "targets", apiKey, count }
 */
import { resolve } from 'node:path';
import { startDemoTarget, type DemoTarget } from '../src/dev/demo-target';
import { setupSandboxVault } from '../src/dev/sandbox-vault';
import { startDevVault, type DevVaultHandle } from '../src/devvault';
import { VaultAdmin } from '../src/vault/admin';

export interface VaultReady {
  kind: 'vault-ready';
  address: string;
  brokerRoleId: string;
  brokerSecretId: string;
  toolKey: string;
  endpoint: { roleId: string; secretId: string };
}

export type ServiceMessage =
  | VaultReady
  | { kind: 'stats'; requests: number; byPath: Record<string, number> }
  | { kind: 'targets'; urls: string[] }
  | { kind: 'error'; message: string };

export type ServiceCommand = { cmd: 'stats' } | { cmd: 'targets'; apiKey: string; count: number } | { cmd: 'stop' };

/** The repository's vault-policies/, so the broker runs on the policies production uses. */
const POLICIES_DIR = resolve(__dirname, '..', '..', 'vault-policies');

/** Endpoint policy for the benchmark's role: every action (fan-out uses several). */
const BENCH_POLICY = 'path "broker/actions/*" { capabilities = ["update"] }\n';

function send(message: ServiceMessage): void {
  process.send?.(message);
}

async function runVault(): Promise<() => Promise<void>> {
  const vault: DevVaultHandle = await startDevVault({ host: '127.0.0.1', port: 0 });
  const sandbox = await setupSandboxVault(vault.address, vault.rootToken, { policiesDir: POLICIES_DIR });
  const admin = new VaultAdmin({ address: vault.address }, vault.rootToken);
  await admin.writePolicy('endpoint-bench', BENCH_POLICY);
  // Batch tokens, as the README recommends for endpoint groups: nothing to revoke.
  await admin.writeRole('bench', {
    bind_secret_id: true,
    token_type: 'batch',
    token_ttl: 60,
    token_max_ttl: 240,
    token_policies: ['endpoint-bench'],
    token_no_default_policy: false,
    secret_id_ttl: 0,
    secret_id_num_uses: 0,
    secret_id_bound_cidrs: [],
  });
  const roleId = await admin.readRoleId('bench');
  const secret = await admin.issueRawSecretId('bench', { metadata: JSON.stringify({ computer_id: 'bench' }) });
  if (!roleId || !secret.secretId) throw new Error('could not create the bench endpoint role');
  process.on('message', (m: ServiceCommand) => {
    if (m.cmd === 'stats') send({ kind: 'stats', ...vault.stats() });
  });
  send({
    kind: 'vault-ready',
    address: vault.address,
    brokerRoleId: sandbox.brokerRoleId,
    brokerSecretId: sandbox.brokerSecretId,
    toolKey: sandbox.toolKey,
    endpoint: { roleId, secretId: secret.secretId },
  });
  return () => vault.close();
}

async function runTarget(): Promise<() => Promise<void>> {
  const targets: DemoTarget[] = [];
  process.on('message', (m: ServiceCommand) => {
    if (m.cmd !== 'targets') return;
    void (async () => {
      const started: string[] = [];
      for (let i = 0; i < m.count; i++) {
        const t = await startDemoTarget({ apiKey: m.apiKey, host: '127.0.0.1', port: 0 });
        targets.push(t);
        started.push(t.url);
      }
      send({ kind: 'targets', urls: started });
    })().catch((err: unknown) => send({ kind: 'error', message: (err as Error).message }));
  });
  return async () => {
    await Promise.all(targets.map((t) => t.close()));
  };
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  const stop = mode === 'vault' ? await runVault() : mode === 'target' ? await runTarget() : null;
  if (!stop) throw new Error(`unknown service "${mode}" (vault | target)`);
  const shutdown = () => {
    void stop().finally(() => process.exit(0));
  };
  process.on('message', (m: ServiceCommand) => {
    if (m.cmd === 'stop') shutdown();
  });
  process.on('SIGTERM', shutdown);
  // The parent went away: do not linger.
  process.on('disconnect', shutdown);
}

main().catch((err: unknown) => {
  send({ kind: 'error', message: (err as Error).message });
  process.exit(1);
});
