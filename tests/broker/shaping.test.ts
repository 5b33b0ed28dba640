/**
 * Traffic shaping through the real broker over HTTP, against devvault and a counting
 * target: rate limits with accurate Retry-After, concurrency caps, hold-back after the
 * target's own 429, the circuit breaker, per-action limits, and limits shared by two
 * brokers through Redis. Each scenario gets its own site so limits do not interfere.
 */
import { randomUUID } from 'node:crypto';
import { startRedis } from '../support/redis';
import { invoke, type RunningBroker, type Site, type SiteOptions, startBroker, startSite } from '../support/shaping-site';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = () => `k-${randomUUID()}`;

async function withSite(options: SiteOptions, fn: (site: Site, broker: RunningBroker) => Promise<void>): Promise<void> {
  const site = await startSite(options);
  const broker = await startBroker(site);
  try {
    await fn(site, broker);
  } finally {
    await broker.stop();
    await site.close();
  }
}

describe('traffic shaping', () => {
  it('When calls exceed the target rate, then 429 rate_limited with Retry-After and the target is not called', async () => {
    await withSite({ targetRateLimit: { per_second: 1, burst: 2, queue_ms: 0 } }, async (site, broker) => {
      const answers = await Promise.all([1, 2, 3].map(() => invoke(broker.url, site.web, 'echo', { message: 'm' }, key())));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 429]);
      const limited = answers.find((a) => a.status === 429)!;
      expect(limited.body.error).toMatchObject({ code: 'rate_limited', target_called: false });
      expect(limited.body.error.message).toBe('target "counter" is over its rate limit');
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(site.target.stats().total).toBe(2);
      // The refused caller waits what it was told, and then gets through.
      await sleep(1000);
      const later = await invoke(broker.url, site.web, 'echo', { message: 'm' }, key());
      expect(later.status).toBe(200);
    });
  });

  it('When calls arrive together within queue_ms, then they wait in the broker and reach the target spaced at the rate', async () => {
    await withSite({ targetRateLimit: { per_second: 5, burst: 1, queue_ms: 1000 } }, async (site, broker) => {
      const started = Date.now();
      const answers = await Promise.all([1, 2, 3, 4, 5].map(() => invoke(broker.url, site.web, 'echo', { message: 'm' }, key())));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      // One at once, then one every 200 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(750);
      expect(site.target.stats().max_in_any_second).toBeLessThanOrEqual(6);
      // The sixth would wait more than queue_ms: refused with Retry-After.
      const answers2 = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(() => invoke(broker.url, site.web, 'echo', { message: 'm' }, key())));
      expect(answers2.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(1);
    });
  });

  it('When a herd is refused, then each is told a later second, spread at the target rate', async () => {
    await withSite({ targetRateLimit: { per_second: 0.5, burst: 1, queue_ms: 0 } }, async (site, broker) => {
      await invoke(broker.url, site.web, 'echo', { message: 'm' }, key());
      const started = Date.now();
      const waits: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        const r = await invoke(broker.url, site.web, 'echo', { message: 'm' }, key());
        expect(r.status).toBe(429);
        waits.push(Number(r.headers.get('retry-after')));
      }
      // One per 2 s: slots 2, 4, … 12 s after the first call; each caller is told its
      // slot less the time that passed before it asked, in whole seconds rounded up.
      const elapsed = Math.ceil((Date.now() - started) / 1000);
      waits.forEach((w, i) => {
        expect(w).toBeLessThanOrEqual(2 * (i + 1));
        expect(w).toBeGreaterThanOrEqual(2 * (i + 1) - elapsed);
      });
      for (let i = 1; i < waits.length; i += 1) expect(waits[i]!).toBeGreaterThan(waits[i - 1]!);
    });
  });

  it('When max_concurrent calls are in flight, then the next is refused with 429 and the target never sees more', async () => {
    await withSite({ targetRateLimit: { max_concurrent: 2 } }, async (site, broker) => {
      // Slow enough that all five are admitted while the first two are still in flight.
      site.target.behave({ delayMs: 1500 });
      const answers = await Promise.all([1, 2, 3, 4, 5].map(() => invoke(broker.url, site.web, 'echo', { message: 'm' }, key())));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
      const refused = answers.filter((a) => a.status === 429);
      expect(refused).toHaveLength(3);
      expect(refused[0]!.body.error.message).toBe('target "counter" has 2 calls in flight already');
      expect(site.target.maxInFlight()).toBe(2);
      site.target.behave({});
      await expect(invoke(broker.url, site.web, 'echo', { message: 'm' }, key())).resolves.toMatchObject({ status: 200 });
    });
  });

  it('When the target answers 429 with Retry-After, then the broker holds it back for that long without calling it', async () => {
    await withSite({}, async (site, broker) => {
      site.target.behave({ failWith: { status: 429, retryAfter: '2' } });
      const first = await invoke(broker.url, site.web, 'echo', { message: 'm' }, key());
      expect(first.status).toBe(429);
      expect(first.headers.get('retry-after')).toBe('2');
      site.target.behave({});
      const held = await invoke(broker.url, site.web, 'echo_other', { message: 'm' }, key());
      expect(held.status).toBe(429);
      expect(held.body.error.message).toBe('target "counter" asked the broker to slow down');
      expect(Number(held.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(site.target.stats().total).toBe(1);
      await sleep(2000);
      await expect(invoke(broker.url, site.web, 'echo', { message: 'm' }, key())).resolves.toMatchObject({ status: 200 });
    });
  });

  it('When the target keeps failing, then the circuit opens (503 circuit_open), and a probe closes it once the target is back', async () => {
    await withSite({ circuitBreaker: { failure_threshold: 2, open_seconds: 1 } }, async (site, broker) => {
      site.target.behave({ failWith: { status: 500 } });
      for (let i = 0; i < 2; i += 1) {
        await expect(invoke(broker.url, site.web, 'echo', { message: 'm' }, key())).resolves.toMatchObject({ status: 502 });
      }
      const open = await invoke(broker.url, site.web, 'echo', { message: 'm' }, key());
      expect(open.status).toBe(503);
      expect(open.body.error).toMatchObject({ code: 'circuit_open', target_called: false });
      expect(open.headers.get('retry-after')).toBe('1');
      expect(site.target.stats().total).toBe(2);
      site.target.behave({});
      await sleep(1050);
      await expect(invoke(broker.url, site.web, 'echo', { message: 'm' }, key())).resolves.toMatchObject({ status: 200 });
      await expect(invoke(broker.url, site.web, 'echo', { message: 'm' }, key())).resolves.toMatchObject({ status: 200 });
    });
  });

  it('When the probe fails, then the circuit opens again', async () => {
    await withSite({ circuitBreaker: { failure_threshold: 1, open_seconds: 1 } }, async (site, broker) => {
      site.target.behave({ failWith: { status: 503 } });
      await invoke(broker.url, site.web, 'echo', { message: 'm' }, key());
      await sleep(1050);
      await expect(invoke(broker.url, site.web, 'echo', { message: 'm' }, key())).resolves.toMatchObject({ status: 502 });
      await expect(invoke(broker.url, site.web, 'echo', { message: 'm' }, key())).resolves.toMatchObject({ status: 503 });
      expect(site.target.stats().total).toBe(2);
    });
  });

  it('When an action has its own limit, then it is refused while other actions of the target go through', async () => {
    await withSite({ actionRateLimit: { per_second: 0.5, burst: 1 } }, async (site, broker) => {
      await expect(invoke(broker.url, site.web, 'echo', { message: 'm' }, key())).resolves.toMatchObject({ status: 200 });
      const limited = await invoke(broker.url, site.web, 'echo', { message: 'm' }, key());
      expect(limited.status).toBe(429);
      expect(limited.body.error.message).toBe('action "echo" is over its rate limit');
      expect(limited.headers.get('retry-after')).toBe('2');
      await expect(invoke(broker.url, site.web, 'echo_other', { message: 'm' }, key())).resolves.toMatchObject({ status: 200 });
    });
  });

  it('When two brokers share Redis, then the rate limit holds for both together', async () => {
    const redis = await startRedis();
    const site = await startSite({ store: redis.url, targetRateLimit: { per_second: 0.5, burst: 3 } });
    const a = await startBroker(site);
    const b = await startBroker(site);
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => invoke(i % 2 ? a.url : b.url, site.web, 'echo', { message: 'm' }, key())),
      );
      expect(answers.filter((r) => r.status === 200)).toHaveLength(3);
      expect(answers.filter((r) => r.status === 429)).toHaveLength(5);
      expect(site.target.stats().total).toBe(3);
    } finally {
      await a.stop();
      await b.stop();
      await site.close();
      await redis.close();
    }
  });
});
