/**
 * The dev sandbox's rate-limited demo action: a simulated wave against `echo_limited`
 * ends with every endpoint served, the demo target's GET /__stats shows one call per
 * Idempotency-Key and never more than its limit (5/s plus a burst of 5) in any second.
 */
import { startSandbox, type Sandbox } from '../../src/dev/sandbox';
import { runWave } from '../../src/simulate/wave';
import type { CallStatsSnapshot } from '../../src/dev/call-stats';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
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
  });
});
