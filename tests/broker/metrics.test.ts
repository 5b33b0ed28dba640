/**
 * GET /metrics over real HTTP: counts come from the audit events of real requests,
 * labels stay bounded (a caller-chosen action name is "unknown"), and no secret or
 * caller-supplied string reaches the metrics text.
 */
import { ConfigError, validateConfig } from '../../src/config';
import { startHarness, type Harness } from '../support/broker-harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ keyCacheSeconds: 60 });
});
afterAll(async () => {
  await h?.close();
});

/** The value of one sample line, e.g. `name{a="b"} 3`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.lastIndexOf('}'));
    const have = Object.fromEntries([...inner.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

test('When requests have been served, then /metrics counts them by action, outcome and status, and times their steps', async () => {
  const ok1 = await h.invoke('echo', { queue: 'ops', summary: 'one' });
  const ok2 = await h.invoke('echo', { queue: 'ops', summary: 'two' });
  const denied = await h.invoke('echo', { queue: 'ops', summary: 'x' }, { roleId: h.allowed.roleId, secretId: 'wrong-secret' });
  const unknown = await h.invoke('caller-chosen-name', {});
  expect([ok1.status, ok2.status, denied.status, unknown.status]).toEqual([200, 200, 401, 404]);

  const res = await h.call('/metrics', { creds: null });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = res.text;

  const requests = 'credential_broker_requests_total';
  expect(sample(text, requests, { action: 'echo', outcome: 'success', status: '200' })).toBe(2);
  expect(sample(text, requests, { action: 'echo', outcome: 'denied', status: '401' })).toBe(1);
  expect(sample(text, requests, { action: 'unknown', outcome: 'rejected', status: '404' })).toBe(1);
  expect(text).not.toContain('caller-chosen-name');

  // Each successful call logged in to Vault and called the target once.
  expect(sample(text, 'credential_broker_step_duration_seconds_count', { step: 'vault_login' })).toBeGreaterThanOrEqual(2);
  expect(sample(text, 'credential_broker_step_duration_seconds_count', { step: 'target' })).toBe(2);
  expect(sample(text, 'credential_broker_request_duration_seconds_count', { action: 'echo', outcome: 'success' })).toBe(2);
  // Process metrics come with the prefix.
  expect(text).toContain('credential_broker_process_resident_memory_bytes');

  for (const secret of h.secrets) expect(text).not.toContain(secret);
});

test('When /metrics is requested with a method other than GET, then it is not served', async () => {
  const res = await h.call('/metrics', { method: 'POST', creds: null, body: {} });
  expect(res.status).toBe(404);
});

test('When metrics.path is not a plain path or sits under /v1/, then the config is refused naming the field', () => {
  const base = h.broker.config;
  for (const path of ['metrics', '/v1/metrics', '/m?x=1']) {
    let error: unknown;
    try {
      validateConfig({ ...JSON.parse(JSON.stringify(base)), metrics: { path } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('metrics.path');
  }
});
