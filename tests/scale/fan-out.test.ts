/**
 * Acceptance for scale-out (issue 6): two broker processes (`credential-broker serve`)
 * share one real redis-server; the target (the dev sandbox's demo target, in its own
 * process, counting calls per Idempotency-Key and per second at GET /__stats) allows R
 * calls per second, and the broker is configured a little below it (RATE). A BigFix wave
 * (`credential-broker simulate`, its own process: N endpoints, each with its own key and
 * the endpoint scripts' retry policy) must end with every endpoint served, exactly one
 * target call per key, never more than R plus one bucket (the configured burst) in any
 * second — calendar second or sliding window — and drain within 1.3 × N / R. Killing one replica with SIGKILL mid-wave must
 * lose no completed outcome and cause no second target call for a completed key.
 *
 * Every part runs in its own process, as on separate hosts, except devvault; so the
 * target's clock sees calls when they arrive, not when a busy test process gets to them.
 *
 * Needs the built CLI (dist/, `npm test` builds it) and redis-server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import type { CallStatsSnapshot } from '../../src/dev/call-stats';
import type { WaveReport } from '../../src/simulate/wave';
import { closedPort } from '../support/fake-target';
import { startRedis, type TestRedis } from '../support/redis';
import { invoke, type Site, startSite } from '../support/shaping-site';

jest.setTimeout(180_000);

const DIST = resolve(__dirname, '../../dist');
const CLI = join(DIST, 'cli/main.js');
/**
 * The rate the target allows. 50/s keeps the whole test under about one of the build
 * machine's two cores, so it holds while another test file runs beside it.
 */
const R = 50;
/**
 * The broker's limit for it, as an operator would set it: a little below the tool's
 * (44/s), as calls may leave up to 50 ms after their slot and the network adds its own
 * jitter (R × 50 ms ≈ 2.5 calls); a bucket of BURST;
 * and a queue that holds what simulate's CONCURRENCY requests in flight bring
 * (RATE × 3 s), so few get 429 and sleep out Retry-After plus jitter.
 */
const RATE = 0.88 * R;
const BURST = 5;
const QUEUE_MS = 3000;
const CONCURRENCY = 100;
const N = 2000;
const PREFIX = 'credential-broker:';

function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((done) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill(signal);
  });
}

async function waitFor(url: string, child: ChildProcess, what: string, stderr: string[]): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}: ${stderr.join('')}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 15_000) throw new Error(`${what} did not start: ${stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Target {
  url: string;
  child: ChildProcess;
  stats(): Promise<CallStatsSnapshot>;
}

/** The demo target (src/dev/demo-target.ts) in a child process of its own. */
async function startTarget(apiKey: string): Promise<Target> {
  const port = await closedPort();
  const script = `require(${JSON.stringify(join(DIST, 'dev/demo-target.js'))})
    .startDemoTarget({ apiKey: process.env.DEMO_API_KEY, port: ${port} })`;
  const child = spawn(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, DEMO_API_KEY: apiKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (c: Buffer) => stderr.push(c.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/__stats`, child, 'demo target', stderr);
  return { url, child, stats: async () => (await (await fetch(`${url}/__stats`)).json()) as CallStatsSnapshot };
}

interface Replica {
  url: string;
  child: ChildProcess;
}

async function startReplica(config: Record<string, unknown>, site: Site, dir: string, name: string): Promise<Replica> {
  const port = await closedPort();
  const file = join(dir, `${name}.yaml`);
  // JSON is YAML: the config file `serve` reads.
  writeFileSync(file, JSON.stringify({ ...config, listen: { host: '127.0.0.1', port } }, null, 2));
  const child = spawn(process.execPath, [CLI, 'serve', '--config', file], {
    env: { PATH: process.env.PATH, BROKER_SECRET_ID: site.broker.secretId },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (c: Buffer) => stderr.push(c.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/v1/health`, child, `replica ${name}`, stderr);
  return { url, child };
}

/** `credential-broker simulate --json` against the replicas; the endpoint's credentials go in the environment. */
function simulate(site: Site, brokers: string[], endpoints: number, keyPrefix: string): Promise<WaveReport> {
  const args = [CLI, 'simulate', ...brokers.flatMap((b) => ['--broker', b])];
  args.push('--endpoints', String(endpoints), '--action', 'echo', '--params', '{"message":"wave {endpoint}"}');
  args.push('--concurrency', String(CONCURRENCY), '--deadline', '120', '--key-prefix', keyPrefix, '--json');
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, BROKER_ROLE_ID: site.web.roleId, BROKER_SECRET_ID: site.web.secretId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: string[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c.toString()));
  return new Promise((done, fail) => {
    child.on('exit', (code) => {
      try {
        done(JSON.parse(Buffer.concat(out).toString('utf8')) as WaveReport);
      } catch {
        fail(new Error(`simulate exited ${code}: ${err.join('')}`));
      }
    });
  });
}

/** Idempotency records in Redis that are completed: scoped key → stored body's request_id. */
async function completedRecords(redis: Redis): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}idem:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      const [state, value] = await redis.hmget(k, 'state', 'value');
      if (state === 'completed' && value) {
        const record = JSON.parse(value) as { body: { request_id: string } };
        found.set(k.slice(`${PREFIX}idem:`.length), record.body.request_id);
      }
    }
  } while (cursor !== '0');
  return found;
}

function summary(report: WaveReport, stats: CallStatsSnapshot): string {
  const { results: _omit, ...rest } = report;
  const { by_key: _keys, duplicate_keys: duplicates, ...targetStats } = stats;
  return JSON.stringify({ report: rest, target: { ...targetStats, duplicate_keys: duplicates.length } });
}

describe('scale-out: two replicas sharing Redis', () => {
  let redis: TestRedis;
  let site: Site;
  let target: Target;
  let config: Record<string, unknown>;
  let dir: string;
  let a: Replica | undefined;
  let b: Replica | undefined;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    site = await startSite({
      store: redis.url,
      targetRateLimit: { per_second: RATE, burst: BURST, queue_ms: QUEUE_MS },
      keyCacheSeconds: 300,
      targetTimeoutMs: 2000,
      vaultTimeoutMs: 2000,
    });
    target = await startTarget(site.toolKey);
    const base = site.brokerConfig() as {
      targets: Record<string, Record<string, unknown>>;
      actions: Record<string, Record<string, unknown>>;
    };
    config = {
      ...base,
      targets: { counter: { ...base.targets.counter, base_url: target.url } },
      // The demo target answers POST /echo with {message, length, received_at}.
      actions: { echo: { ...base.actions.echo, result: { message: 'message' } } },
    };
    dir = mkdtempSync(join(tmpdir(), 'scale-'));
  });

  beforeEach(async () => {
    a = await startReplica(config, site, dir, 'a');
    b = await startReplica(config, site, dir, 'b');
    // Replicas that have served before, as in production: one call each reads the tool
    // key into the cache and opens the connections, so the wave measures shaping, not
    // a cold start. The bucket has refilled well before the wave starts.
    for (const r of [a, b]) {
      const answer = await invoke(r.url, site.web, 'echo', { message: 'warm-up' }, `warm-${r.url}`);
      if (answer.status !== 200) throw new Error(`warm-up call to ${r.url} answered ${answer.status}`);
    }
    await new Promise((r) => setTimeout(r, 1500));
  });

  afterEach(async () => {
    await stopChild(a?.child);
    await stopChild(b?.child);
  });

  afterAll(async () => {
    await client?.quit();
    await stopChild(target?.child);
    await site?.close();
    await redis?.close();
  });

  it(`When ${N} endpoints each retry with their own key against a target limited to ${R}/s, then one call per key, at most R + burst in any second, drained within 1.3 × N/R`, async () => {
    const before = (await target.stats()).total;
    const report = await simulate(site, [a!.url, b!.url], N, 'wave1');
    const stats = await target.stats();
    process.stdout.write(`scale wave: N/R ${(N / R).toFixed(1)} s, ${summary(report, stats)}\n`);
    expect(report.succeeded).toBe(N);
    expect(stats.total - before).toBe(N);
    expect(stats.duplicate_keys).toEqual([]);
    for (let i = 1; i <= N; i += 1) expect(stats.by_key[`web/wave1-${i}`]).toBe(1);
    expect(stats.max_per_calendar_second).toBeLessThanOrEqual(R + BURST);
    expect(stats.max_in_any_second).toBeLessThanOrEqual(R + BURST);
    expect(report.drain_ms).toBeLessThanOrEqual(1.3 * (N / R) * 1000);
  });

  it('When one replica is killed with SIGKILL mid-wave, then no completed outcome is lost and no completed key is called twice', async () => {
    const n = 500;
    const key = (i: number) => `web/wave2-${i}`;
    const ofWave = (k: string) => k.startsWith('web/wave2-');
    const startTotal = (await target.stats()).total;
    let completedAtKill = new Map<string, string>();
    let seenAtKill = new Set<string>();
    // Kill replica a once 40 % of the wave has reached the target.
    const watcher = (async () => {
      while ((await target.stats()).total - startTotal < n * 0.4) await new Promise((r) => setTimeout(r, 20));
      await stopChild(a!.child, 'SIGKILL');
      completedAtKill = await completedRecords(client);
      // Calls the dead replica sent may still sit in the target's socket buffers briefly.
      await new Promise((r) => setTimeout(r, 300));
      seenAtKill = new Set(Object.keys((await target.stats()).by_key).filter(ofWave));
    })();
    const report = await simulate(site, [a!.url, b!.url], n, 'wave2');
    await watcher;
    const stats = await target.stats();
    const completedNow = await completedRecords(client);
    const ours = [...completedAtKill.keys()].filter(ofWave);
    const duplicates = Object.entries(stats.by_key).filter(([k, c]) => ofWave(k) && c > 1);
    const inFlightAtKill = [...seenAtKill].filter((k) => !completedAtKill.has(k));
    process.stdout.write(
      `kill wave: completed at kill ${ours.length}, called but not completed at kill ${inFlightAtKill.length}, ` +
        `called twice ${duplicates.length}, ${summary(report, stats)}\n`,
    );
    expect(a!.child.signalCode).toBe('SIGKILL');
    expect(ours.length).toBeGreaterThan(0);
    const byKey = new Map(report.results.map((r) => [key(r.endpoint), r]));
    for (const k of ours) {
      // Not lost: still stored, with the same response, and that response is what the endpoint ended with.
      expect(completedNow.get(k)).toBe(completedAtKill.get(k));
      expect(byKey.get(k)?.requestId).toBe(completedAtKill.get(k));
      // Not repeated: the target saw this key exactly once.
      expect(stats.by_key[k]).toBe(1);
    }
    // Every endpoint ends served, each key called once — except a key whose call was cut
    // off by the kill (the target was called, the outcome never stored): its claim's lease
    // runs out and a retry calls again, once, with the same Idempotency-Key.
    expect(report.succeeded).toBe(n);
    for (let i = 1; i <= n; i += 1) expect(stats.by_key[key(i)]).toBeGreaterThanOrEqual(1);
    for (const [k, calls] of duplicates) {
      expect(inFlightAtKill).toContain(k);
      expect(calls).toBe(2);
    }
  });
});
