/**
 * The dev sandbox's rate-limited demo action: a simulated wave against `echo_limited`
 * ends with every endpoint served, the demo target's GET /__stats shows one call per
 * Idempotency-Key and never more than its limit (5/s plus a burst of 5) in any second.
 */
import { Writable } from 'node:stream';
import { startSandbox, type Sandbox } from '../../src/dev/sandbox';
import { runWave } from '../../src/simulate/wave';
import type { CallStatsSnapshot } from '../../src/dev/call-stats';

let sandbox: Sandbox;
/** The broker's log lines (kept out of the test output, and read for secrets at the end). */
const logs: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _enc, done) {
    logs.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
    done();
  },
});

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, logStream });
});
afterAll(async () => {
  await sandbox?.stop();
});

describe('dev sandbox: echo_limited', () => {
  it('When 20 endpoints run echo_limited at once, then all succeed, each key reaches the target once, at most 10 per second', async () => {
    const allowed = sandbox.endpoints.find((e) => e.allowed_actions.includes('echo_limited'))!;
    const report = await runWave({
      brokers: [sandbox.brokerUrl],
      action: 'echo_limited',
      endpoints: 20,
      params: { message: 'hello from {endpoint}' },
      roleId: allowed.role_id,
      secretId: allowed.secret_id,
      concurrency: 20,
      deadlineSeconds: 60,
      keyPrefix: 'sandbox-wave',
    });
    expect(report.succeeded).toBe(20);
    expect(report.attempt_statuses['429']).toBeGreaterThan(0);

    const stats = (await (await fetch(`${sandbox.targetUrl}/__stats`)).json()) as CallStatsSnapshot;
    expect(stats.total).toBe(20);
    expect(stats.duplicate_keys).toEqual([]);
    expect(Object.keys(stats.by_key)).toHaveLength(20);
    expect(Object.keys(stats.by_key).every((k) => /^demo-allowed\/sandbox-wave-\d+$/.test(k))).toBe(true);
    expect(stats.max_in_any_second).toBeLessThanOrEqual(10);
    // 15 calls beyond the burst at 5 per second take at least 3 s.
    expect(report.drain_ms).toBeGreaterThanOrEqual(2500);

    // One audit line per attempt (written when each response has finished, so the last
    // may trail the answer by a moment), and no secret ID in any log line.
    const audits = () => logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.log_type === 'audit');
    for (let i = 0; i < 40 && audits().length < report.requests; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(audits().length).toBe(report.requests);
    for (const e of sandbox.endpoints) expect(logs.join('\n')).not.toContain(e.secret_id);
  });
});
