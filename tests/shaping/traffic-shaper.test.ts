/**
 * The traffic shaper on the real in-memory store with a controlled clock: rate limits
 * with accurate Retry-After, concurrency caps, hold-back after a target's 429, and the
 * circuit breaker's open / probe / close cycle.
 */
import { CircuitOpenError } from '../../src/errors/circuit-open-error';
import { RateLimitedError } from '../../src/errors/rate-limited-error';
import { type ShapingSettings, TrafficShaper } from '../../src/shaping';
import { MemoryStateStore } from '../../src/state';

let now = 1_000_000;
let store: MemoryStateStore;

beforeEach(() => {
  now = 1_000_000;
  store = new MemoryStateStore({ now: () => now });
});
afterEach(() => store.close());

function shaper(over: Partial<ShapingSettings> = {}): TrafficShaper {
  return new TrafficShaper(store, {
    targets: { tickets: { rate_limit: { per_second: 2, burst: 2 } }, open: {} },
    actions: { open: { target: 'tickets' }, other: { target: 'tickets' }, free: { target: 'open' } },
    circuitBreaker: { failure_threshold: 3, open_seconds: 10 },
    ...over,
  });
}

async function refusal(p: Promise<unknown>): Promise<{ name: string; retryAfter: string; message: string }> {
  const err = (await p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  )) as RateLimitedError | CircuitOpenError;
  return { name: err.name, retryAfter: err.headers()['Retry-After']!, message: err.message };
}

describe('traffic shaper', () => {
  it('When the target bucket is empty, then 429 with the Retry-After of the next free slot', async () => {
    const s = shaper();
    await s.admit('open', 5000);
    await s.admit('other', 5000);
    await expect(refusal(s.admit('open', 5000))).resolves.toEqual({
      name: 'RateLimitedError',
      retryAfter: '1',
      message: 'target "tickets" is over its rate limit',
    });
    // Refused callers queue: the 4th in line (2/s) is told 2 s.
    await refusal(s.admit('open', 5000));
    await refusal(s.admit('open', 5000));
    await expect(refusal(s.admit('open', 5000))).resolves.toMatchObject({ retryAfter: '2' });
    now += 2000;
    await expect(s.admit('open', 5000)).resolves.toBeDefined();
  });

  it('When an action has its own tighter limit, then it is named and the target bucket is left alone', async () => {
    const s = shaper({
      actions: { open: { target: 'tickets', rate_limit: { per_second: 0.1, burst: 1 } }, other: { target: 'tickets' } },
    });
    await s.admit('open', 5000);
    await expect(refusal(s.admit('open', 5000))).resolves.toMatchObject({
      message: 'action "open" is over its rate limit',
      retryAfter: '10',
    });
    await expect(s.admit('other', 5000)).resolves.toBeDefined();
  });

  it('When a target has no limits, then everything passes', async () => {
    const s = shaper();
    for (let i = 0; i < 50; i += 1) await s.admit('free', 5000);
  });

  it('When max_concurrent calls are in flight, then the next gets 429 until one finishes', async () => {
    const s = shaper({ targets: { tickets: { rate_limit: { max_concurrent: 2 } } } });
    const a = await s.admit('open', 5000);
    await s.admit('open', 5000);
    await expect(refusal(s.admit('other', 5000))).resolves.toEqual({
      name: 'RateLimitedError',
      retryAfter: '1',
      message: 'target "tickets" has 2 calls in flight already',
    });
    await a.finish({ kind: 'answered' });
    await expect(s.admit('other', 5000)).resolves.toBeDefined();
  });

  it('When a call is refused by the rate limit, then its concurrency slot is given back', async () => {
    const s = shaper({ targets: { tickets: { rate_limit: { per_second: 1, burst: 1, max_concurrent: 1 } } } });
    const a = await s.admit('open', 5000);
    await a.finish({ kind: 'answered' });
    await refusal(s.admit('open', 5000)); // bucket empty: the slot it took is released
    now += 1000;
    await expect(s.admit('open', 5000)).resolves.toBeDefined();
  });

  it('When the target answers 429 with Retry-After, then it is held back for that long', async () => {
    const s = shaper({ targets: { tickets: {} } });
    const a = await s.admit('open', 5000);
    await a.finish({ kind: 'slow_down', retryAfterMs: 7000 });
    await expect(refusal(s.admit('other', 5000))).resolves.toEqual({
      name: 'RateLimitedError',
      retryAfter: '7',
      message: 'target "tickets" asked the broker to slow down',
    });
    now += 7000;
    await expect(s.admit('other', 5000)).resolves.toBeDefined();
  });

  it('When the target fails N times in a row, then the circuit opens (503), then one probe closes it', async () => {
    const s = shaper({ targets: { tickets: {} } });
    for (let i = 0; i < 3; i += 1) await (await s.admit('open', 5000)).finish({ kind: 'failed' });
    await expect(refusal(s.admit('open', 5000))).resolves.toEqual({
      name: 'CircuitOpenError',
      retryAfter: '10',
      message: 'target "tickets" is failing; the broker pauses calls to it',
    });
    now += 10_000;
    const probe = await s.admit('open', 5000);
    await expect(refusal(s.admit('open', 5000))).resolves.toMatchObject({ name: 'CircuitOpenError', retryAfter: '5' });
    await probe.finish({ kind: 'answered' });
    await expect(s.admit('open', 5000)).resolves.toBeDefined();
  });

  it('When failures are interrupted by answers or calls that never reached the target, then the circuit stays closed', async () => {
    const s = shaper({ targets: { tickets: {} } });
    for (const kind of ['failed', 'failed', 'answered', 'failed', 'failed', 'not_called', 'not_called'] as const) {
      await (await s.admit('open', 5000)).finish({ kind });
    }
    await expect(s.admit('open', 5000)).resolves.toBeDefined();
  });

  describe('waiting in the broker (queue_ms), on the real clock', () => {
    let real: MemoryStateStore;
    beforeEach(() => {
      real = new MemoryStateStore();
    });
    afterEach(() => real.close());
    const queued = () =>
      new TrafficShaper(real, {
        targets: { tickets: { rate_limit: { per_second: 10, burst: 1, queue_ms: 1000 } } },
        actions: { open: { target: 'tickets' } },
        circuitBreaker: { failure_threshold: 3, open_seconds: 10 },
      });
    const bucket = [{ key: 'target:tickets', perSecond: 10, burst: 1 }];

    it('When calls arrive together, then each is admitted and ready() lets them go one slot apart', async () => {
      const s = queued();
      const admissions = await Promise.all([1, 2, 3].map(() => s.admit('open', 5000)));
      const started = Date.now();
      const readyAt = await Promise.all(admissions.map(async (a) => (await a.ready(), Date.now() - started)));
      readyAt.sort((x, y) => x - y);
      // 10/s: the first at once, then 100 ms apart (timers may fire a little early or late).
      expect(readyAt[1]! - readyAt[0]!).toBeGreaterThanOrEqual(80);
      expect(readyAt[2]! - readyAt[0]!).toBeGreaterThanOrEqual(180);
    });

    it('When a call comes late for its slot, then it takes a new one instead of going with the next caller', async () => {
      const s = queued();
      await s.admit('open', 5000);
      const late = await s.admit('open', 5000); // slot in 100 ms
      await new Promise((r) => setTimeout(r, 300)); // e.g. a slow key read
      await late.ready();
      // It used a second token: the 3 tokens refilled by now are all spent (one on time,
      // one missed, one taken late), so a caller now gets none.
      await expect(real.take(bucket)).resolves.toMatchObject({ ok: false });
    });

    it('When a call is on time for its slot, then it uses the token it was given', async () => {
      const s = queued();
      await s.admit('open', 5000);
      const onTime = await s.admit('open', 5000);
      await onTime.ready();
      await new Promise((r) => setTimeout(r, 150));
      await expect(real.take(bucket)).resolves.toMatchObject({ ok: true });
    });
  });
});
