/**
 * `npm run bench`: what the broker costs next to the alternatives, measured the same way
 * every time, on loopback, in a few minutes. See README "Benchmarks".
 *
 *   1. steady state, the same request: (a) straight to the demo target with its key,
 *      (b) through nginx adding the key as a static header, (c) through the broker with
 *      the key cached, (d) through the broker with nothing cached
 *   2. Vault round trips per invocation, cold and warm, counted by devvault
 *   3. fan-out: N endpoints against a target limited to R calls/s
 *   4. the broker's RSS at rest and with 1,000 concurrent connections
 *
 * Flags: --duration S (per steady-state run, default 10), --connections C (the main
 * concurrency, default 10; every steady-state run is repeated at 1 connection for latency),
 * --quick (short runs, for trying the benchmark itself), --keep (keep the temp folder),
 * --profile (write V8 CPU profiles of the brokers into the temp folder; implies --keep),
 * --no-nginx (skip (b) as if nginx were not installed).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_TOOL_KEY_REF } from '../src/dev/sandbox-vault';
import type { CallStatsSnapshot } from '../src/dev/call-stats';
import { runWave } from '../src/simulate/wave';
import { runLoad, type LoadResult } from './load';
import {
  findNginx,
  memoryKiB,
  REPO_ROOT,
  withCpu,
  ServiceProcess,
  startBroker,
  startNginx,
  type BrokerProcess,
  type NginxProcess,
} from './processes';
import type { ServiceMessage, VaultReady } from './services';
import { formatReport, type BenchReport, type FanoutResult, type RoundTrips, type SteadyResult } from './report';

interface Settings {
  durationSeconds: number;
  warmupSeconds: number;
  /** Steady state runs at each of these concurrencies; the first one is the main one. */
  connections: number[];
  memoryConnections: number;
  memorySeconds: number;
  roundTripCalls: number;
  fanout: { endpoints: number; perSecond: number }[];
  keep: boolean;
  nginx: boolean;
  /** Extra node flags for the broker processes (--profile: CPU profiles). */
  brokerNodeArgs: (dir: string) => string[];
}

function parseFlags(argv: string[]): Settings {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const number = (name: string, def: number) => {
    const v = value(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: "${v}" is not a positive number`);
    return n;
  };
  return {
    durationSeconds: number('--duration', quick ? 3 : 10),
    warmupSeconds: quick ? 1 : 3,
    connections: [number('--connections', 10), 1],
    memoryConnections: 1000,
    memorySeconds: quick ? 3 : 8,
    roundTripCalls: quick ? 10 : 50,
    fanout: quick
      ? [{ endpoints: 40, perSecond: 20 }]
      : [
          { endpoints: 100, perSecond: 10 },
          { endpoints: 500, perSecond: 50 },
        ],
    keep: argv.includes('--keep') || argv.includes('--profile'),
    nginx: !argv.includes('--no-nginx'),
    brokerNodeArgs: (dir) => (argv.includes('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

const BROKER_SECRET_ENV = 'BENCH_BROKER_SECRET_ID';
const MESSAGE = JSON.stringify({ message: 'hello from the benchmark' });

function brokerConfig(vault: VaultReady, keyCacheSeconds: number, steadyUrl: string, fanout: { url: string; perSecond: number }[]) {
  const target = (url: string) => ({
    base_url: url,
    credential: { ref: SANDBOX_TOOL_KEY_REF, inject: { type: 'bearer' } },
    timeout_ms: 5000,
  });
  const echo = (targetName: string) => ({
    target: targetName,
    method: 'POST',
    path: '/echo',
    parameters: { message: { type: 'string', min_length: 1, max_length: 200 } },
    body: { message: '{message}' },
    result: ['message', 'length'],
  });
  const targets: Record<string, unknown> = { demo: target(steadyUrl) };
  const actions: Record<string, unknown> = { echo: echo('demo') };
  fanout.forEach((f, i) => {
    targets[`limited_${i + 1}`] = { ...target(f.url), rate_limit: { per_second: f.perSecond } };
    actions[`fanout_${i + 1}`] = echo(`limited_${i + 1}`);
  });
  return {
    vault: {
      address: vault.address,
      broker_auth: { method: 'approle', role_id: { value: vault.brokerRoleId }, secret_id: { env: BROKER_SECRET_ENV } },
    },
    key_cache_seconds: keyCacheSeconds,
    targets,
    actions,
  };
}

async function vaultStats(vault: ServiceProcess): Promise<{ requests: number; byPath: Record<string, number> }> {
  const m = await vault.ask({ cmd: 'stats' });
  if (m.kind !== 'stats') throw new Error(`unexpected answer ${m.kind}`);
  return m;
}

async function invoke(brokerUrl: string, action: string, authorization: string): Promise<void> {
  const r = await fetch(`${brokerUrl}/v1/actions/${action}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: MESSAGE,
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`invoke ${action}: ${r.status} ${text.slice(0, 200)}`);
}

/** Vault requests made by `calls` sequential invocations, per invocation and per path. */
async function countRoundTrips(vault: ServiceProcess, brokerUrl: string, authorization: string, calls: number): Promise<RoundTrips> {
  await vaultQuiet(vault);
  const before = await vaultStats(vault);
  for (let i = 0; i < calls; i++) await invoke(brokerUrl, 'echo', authorization);
  const after = await vaultStats(vault);
  const byPath: Record<string, number> = {};
  for (const [path, n] of Object.entries(after.byPath)) {
    const d = n - (before.byPath[path] ?? 0);
    if (d > 0) byPath[path] = Math.round((d / calls) * 100) / 100;
  }
  return { invocations: calls, per_invocation: Math.round(((after.requests - before.requests) / calls) * 100) / 100, by_path: byPath };
}

async function load(
  settings: Settings,
  connections: number,
  url: string,
  headers: Record<string, string>,
  pids: Record<string, number | undefined>,
): Promise<LoadResult> {
  const common = { url, method: 'POST' as const, headers: { 'content-type': 'application/json', ...headers }, body: MESSAGE, connections };
  await runLoad({ ...common, durationSeconds: settings.warmupSeconds });
  return withCpu({ load_generator: process.pid, ...pids }, () => runLoad({ ...common, durationSeconds: settings.durationSeconds }));
}

/** Waits until devvault's request count stops moving (requests of a load run still finishing). */
async function vaultQuiet(vault: ServiceProcess): Promise<void> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const now = (await vaultStats(vault)).requests;
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * What the broker's audit log says about failed invocations of `action` (the log is
 * redacted; only these fields are kept), so a failure in a run can be explained.
 */
function failuresInLog(file: string, action: string): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    try {
      entries.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a JSON line
    }
  }
  // The error handler's warning for the same request says what failed.
  const warnings = new Map(entries.filter((e) => e.level !== 'info' && e.request_id).map((e) => [e.request_id, e]));
  return entries
    .filter((e) => e.action === action && e.event === 'action.invoke' && typeof e.status === 'number' && e.status >= 500)
    .slice(0, 10)
    .map((e) => {
      const w = warnings.get(e.request_id);
      const err = w?.err as { cause?: unknown } | undefined;
      return { time: e.time, status: e.status, error_code: e.error_code, durations_ms: e.durations_ms, message: w?.message, cause: err?.cause };
    });
}

async function targetStats(url: string): Promise<CallStatsSnapshot> {
  const r = await fetch(`${url}/__stats`);
  return (await r.json()) as CallStatsSnapshot;
}

function machine() {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return {
    cpus: cpus().length,
    cpu_model: model,
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
  };
}

async function main(): Promise<void> {
  const settings = parseFlags(process.argv.slice(2));
  const started = Date.now();
  const loadBefore = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'credential-broker-bench-'));
  const cleanups: (() => Promise<void>)[] = [];
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  try {
    log(`working folder ${dir}`);
    const { service: vault, first } = await ServiceProcess.start('vault', join(dir, 'vault.log'));
    cleanups.push(() => vault.stop());
    if (first?.kind !== 'vault-ready') throw new Error('devvault did not start');
    const creds = first;
    const { service: targetService } = await ServiceProcess.start('target', join(dir, 'target.log'));
    cleanups.push(() => targetService.stop());
    const answer: ServiceMessage = await targetService.ask({ cmd: 'targets', apiKey: creds.toolKey, count: 1 + settings.fanout.length });
    if (answer.kind !== 'targets') throw new Error('demo targets did not start');
    const [steadyUrl, ...fanoutUrls] = answer.urls as [string, ...string[]];
    const fanoutTargets = settings.fanout.map((f, i) => ({ ...f, url: fanoutUrls[i]! }));
    const brokerAuth = `Basic ${Buffer.from(`${creds.endpoint.roleId}:${creds.endpoint.secretId}`).toString('base64')}`;
    const brokerEnv = { [BROKER_SECRET_ENV]: creds.brokerSecretId };

    const targetPid = targetService.child.pid;
    const vaultPid = vault.child.pid;

    // Everything for section 1 is started first and stays up; an idle process costs nothing.
    let proxy: NginxProcess | null = null;
    let nginxNote: string;
    const nginxBinary = settings.nginx ? findNginx() : null;
    if (!nginxBinary) {
      nginxNote = settings.nginx
        ? 'skipped: nginx is not installed (Debian: apt-get install -y nginx-light)'
        : 'skipped (--no-nginx)';
      log(`(b) ${nginxNote}`);
    } else {
      proxy = await startNginx(nginxBinary, dir, steadyUrl, creds.toolKey);
      const started = proxy;
      cleanups.push(() => started.stop());
      nginxNote = `nginx ${proxy.version}, 1 worker, keep-alive upstream`;
    }
    const cached: BrokerProcess = await startBroker(
      dir,
      'broker-cached',
      brokerConfig(creds, 3600, steadyUrl, fanoutTargets),
      brokerEnv,
      settings.brokerNodeArgs(dir),
    );
    cleanups.push(() => cached.stop());
    const uncached: BrokerProcess = await startBroker(dir, 'broker-uncached', brokerConfig(creds, 0, steadyUrl, []), brokerEnv, settings.brokerNodeArgs(dir));
    cleanups.push(() => uncached.stop());

    // 4 (first half). The broker at rest: started, one request served, idle for a second.
    await invoke(cached.url, 'echo', brokerAuth);
    await invoke(uncached.url, 'echo', brokerAuth);
    await new Promise((r) => setTimeout(r, 1000));
    const rssAtRest = memoryKiB(cached.child.pid!);

    // 1. Steady state, at each concurrency.
    const brokerPids = (broker: BrokerProcess) => ({ broker: broker.child.pid, vault: vaultPid, target: targetPid });
    const steady: SteadyResult[] = [];
    for (const connections of settings.connections) {
      const run = (label: string, url: string, headers: Record<string, string>, pids: Record<string, number | undefined>) => {
        log(`${label}, ${connections} connection(s), ${settings.durationSeconds} s`);
        return load(settings, connections, url, headers, pids);
      };
      const direct = await run('(a) direct to the demo target', `${steadyUrl}/echo`, { authorization: `Bearer ${creds.toolKey}` }, { target: targetPid });
      const nginx = proxy ? await run(`(b) through ${nginxNote}`, `${proxy.url}/echo`, {}, { nginx: proxy.pid, target: targetPid }) : null;
      const brokerCached = await run('(c) broker, key cached', `${cached.url}/v1/actions/echo`, { authorization: brokerAuth }, brokerPids(cached));
      const brokerUncached = await run(
        '(d) broker, nothing cached (key_cache_seconds: 0)',
        `${uncached.url}/v1/actions/echo`,
        { authorization: brokerAuth },
        brokerPids(uncached),
      );
      steady.push({ connections, direct, nginx, broker_cached: brokerCached, broker_uncached: brokerUncached });
    }
    await proxy?.stop();

    // 2. Round trips: warm on the caching broker, cold on the one that caches nothing.
    log('Vault round trips, warm and cold');
    const warm = await countRoundTrips(vault, cached.url, brokerAuth, settings.roundTripCalls);
    const cold = await countRoundTrips(vault, uncached.url, brokerAuth, settings.roundTripCalls);
    await uncached.stop();

    // 3. Fan-out.
    const fanout: FanoutResult[] = [];
    for (const [i, f] of fanoutTargets.entries()) {
      log(`fan-out: ${f.endpoints} endpoints, target limited to ${f.perSecond}/s`);
      const wave = await runWave({
        brokers: [cached.url],
        action: `fanout_${i + 1}`,
        endpoints: f.endpoints,
        params: { message: 'endpoint {endpoint}' },
        roleId: creds.endpoint.roleId,
        secretId: creds.endpoint.secretId,
        concurrency: 100,
        deadlineSeconds: 120,
      });
      const stats = await targetStats(f.url);
      const perKey = Object.values(stats.by_key);
      const limitS = f.endpoints / f.perSecond;
      fanout.push({
        endpoints: f.endpoints,
        per_second: f.perSecond,
        limit_s: limitS,
        drain_s: Math.round(wave.drain_ms / 10) / 100,
        drain_vs_limit: Math.round((wave.drain_ms / 1000 / limitS) * 100) / 100,
        succeeded: wave.succeeded,
        outcomes: wave.outcomes,
        attempts: wave.requests,
        attempt_statuses: wave.attempt_statuses,
        target_calls: stats.total,
        calls_per_key_max: perKey.length ? Math.max(...perKey) : 0,
        duplicate_keys: stats.duplicate_keys.length,
        max_in_any_second: stats.max_in_any_second,
        max_per_calendar_second: stats.max_per_calendar_second,
        failures: wave.failed > 0 ? failuresInLog(join(dir, 'broker-cached.log'), `fanout_${i + 1}`) : [],
      });
    }

    // 4. Memory with 1,000 concurrent connections (each with a request in flight).
    log(`memory: ${settings.memoryConnections} connections for ${settings.memorySeconds} s`);
    const pid = cached.child.pid!;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memoryKiB(pid).rss);
    }, 100);
    let heavy: LoadResult;
    try {
      heavy = await runLoad({
        url: `${cached.url}/v1/actions/echo`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: brokerAuth },
        body: MESSAGE,
        connections: settings.memoryConnections,
        durationSeconds: settings.memorySeconds,
      });
    } finally {
      clearInterval(sampler);
    }
    const afterLoad = memoryKiB(pid);

    const report: BenchReport = {
      date: new Date(started).toISOString(),
      total_s: 0,
      machine: { ...machine(), load_average_before: loadBefore.map(round2), load_average_after: loadavg().map(round2) },
      settings: {
        duration_s: settings.durationSeconds,
        warmup_s: settings.warmupSeconds,
        request: `POST /echo ${MESSAGE}`,
        nginx: nginxNote,
      },
      steady,
      round_trips: { cold, warm },
      fanout,
      memory: {
        rss_at_rest_mib: Math.round((rssAtRest.rss / 1024) * 10) / 10,
        rss_peak_1000_mib: Math.round((Math.max(peak, afterLoad.rss) / 1024) * 10) / 10,
        hwm_mib: Math.round((afterLoad.hwm / 1024) * 10) / 10,
        rss_after_mib: Math.round((afterLoad.rss / 1024) * 10) / 10,
        connections: settings.memoryConnections,
        load: heavy,
      },
    };
    report.total_s = Math.round((Date.now() - started) / 100) / 10;
    process.stdout.write(formatReport(report));
    const resultsDir = join(REPO_ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${report.date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\nwritten ${file}\n`);
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (!settings.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
