/**
 * The wave player against a scripted broker over real HTTP: distinct keys, the scripts'
 * retry policy (what is retried, how long it waits, when it gives up), failover between
 * broker URLs, and the report. Sleeps are recorded and skipped so the test is fast; the
 * CLI test (simulate-cli.test.ts) runs with real waits.
 */
import { errorBody, type FakeBroker, type RecordedRequest, startFakeBroker } from '../support/fake-broker';
import { runWave, type WaveOptions } from '../../src/simulate/wave';

let broker: FakeBroker;
let waits: number[];

beforeEach(async () => {
  broker = await startFakeBroker();
  waits = [];
});
afterEach(() => broker.close());

const options = (over: Partial<WaveOptions> = {}): WaveOptions => ({
  brokers: [broker.url],
  action: 'echo',
  endpoints: 20,
  params: { message: 'hello from {endpoint}' },
  roleId: 'role-abc',
  secretId: 'secret-xyz',
  concurrency: 5,
  deadlineSeconds: 60,
  keyPrefix: 'wave',
  sleep: async (ms) => {
    waits.push(ms);
  },
  ...over,
});

const ok = (req: RecordedRequest) => ({ status: 200, body: { request_id: 'r', action: 'echo', result: { echoed: JSON.parse(req.body) } } });

describe('simulate wave', () => {
  it('When the broker says 429 once per key, then every endpoint retries after Retry-After plus jitter and succeeds', async () => {
    const seen = new Map<string, number>();
    broker.script([], (req) => {
      const key = String(req.headers['idempotency-key']);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return seen.get(key) === 1
        ? { status: 429, headers: { 'Retry-After': '2' }, body: errorBody('rate_limited', 'slow down') }
        : ok(req);
    });
    const report = await runWave(options());
    expect(report).toMatchObject({ endpoints: 20, succeeded: 20, failed: 0, outcomes: { '200': 20 }, requests: 40 });
    expect(report.attempt_statuses).toEqual({ '200': 20, '429': 20 });
    expect(report.attempts).toMatchObject({ min: 2, p50: 2, max: 2 });
    expect([...seen.keys()].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `wave-${i + 1}`).sort());
    // Retry-After 2 plus full jitter 0..2 (first retry): whole seconds from 2 to 4.
    for (const w of waits) expect([2000, 3000, 4000]).toContain(w);
    const first = broker.requests[0]!;
    expect(first.url).toBe('/v1/actions/echo');
    expect(first.basic).toEqual({ user: 'role-abc', password: 'secret-xyz' });
    expect(broker.requests.map((r) => JSON.parse(r.body).message)).toContain('hello from 17');
  });

  it('When the answer is 403, 400 or 502, then the endpoint stops at once; 409 and 503 are retried', async () => {
    const byEndpoint: Record<string, () => { status: number; headers?: Record<string, string>; body: unknown }> = {};
    let n = 0;
    broker.script([], (req) => {
      const key = String(req.headers['idempotency-key']);
      const ep = Number(key.split('-')[1]);
      n += 1;
      const statuses = [403, 400, 502, 409, 503];
      const status = statuses[(ep - 1) % statuses.length]!;
      if ((status === 409 || status === 503) && !byEndpoint[key]) {
        byEndpoint[key] = () => ok(req);
        return { status, headers: { 'Retry-After': '1' }, body: errorBody('busy', 'busy') };
      }
      if (status === 409 || status === 503) return ok(req);
      return { status, body: errorBody(`e${status}`, 'no') };
    });
    const report = await runWave(options({ endpoints: 10 }));
    expect(report.outcomes).toEqual({ '200': 4, '400': 2, '403': 2, '502': 2 });
    expect(report.failed).toBe(6);
    expect(n).toBe(14);
    expect(report.results.find((r) => r.endpoint === 1)).toMatchObject({ status: 403, code: 'e403', attempts: 1, succeeded: false });
  });

  it('When one broker URL does not answer, then endpoints move to the next one, like behind a load balancer', async () => {
    broker.script([], ok);
    const report = await runWave(options({ brokers: ['http://127.0.0.1:1', broker.url], endpoints: 10 }));
    expect(report.succeeded).toBe(10);
    expect(report.attempt_statuses).toEqual({ '200': 10, transport_error: 5 });
  });

  it('When Retry-After does not fit before the deadline, then the endpoint gives up with the last answer', async () => {
    broker.script([], () => ({ status: 429, headers: { 'Retry-After': '30' }, body: errorBody('rate_limited', 'slow') }));
    const report = await runWave(options({ endpoints: 3, deadlineSeconds: 20 }));
    expect(report).toMatchObject({ succeeded: 0, failed: 3, outcomes: { '429': 3 }, requests: 3 });
    expect(waits).toEqual([]);
  });
});
