/**
 * The behaviour every StateStore must have. memory.test.ts and redis.test.ts run this
 * same suite, so the in-memory and the Redis store cannot drift apart. Times are real
 * (the Redis store uses the server's clock), so waits are short and bounds tolerant.
 */
import { randomUUID } from 'node:crypto';
import type { StateStore } from '../../src/state';

export interface StoreHarness {
  store: StateStore;
  /** A second handle on the same shared state (another replica), if the store has one. */
  peer?: StateStore;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function describeStateStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`${name} state store contract`, () => {
    let store: StateStore;
    let peer: StateStore;
    // Unique keys per test, so tests never see each other's state.
    let k: (s: string) => string;
    let harness: StoreHarness | undefined;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
      peer = harness.peer ?? harness.store;
    });

    afterAll(async () => {
      await harness?.close();
    });

    beforeEach(() => {
      const run = randomUUID();
      k = (s) => `${run}:${s}`;
    });

    describe('idempotency records', () => {
      it('When a key is claimed, then a second claim sees it in flight with the first fingerprint', async () => {
        const first = await store.claim(k('a'), 'fp1', 5000);
        expect(first.kind).toBe('claimed');
        const second = await peer.claim(k('a'), 'fp2', 5000);
        expect(second).toMatchObject({ kind: 'in_flight', fingerprint: 'fp1' });
        if (second.kind !== 'in_flight') throw new Error('unreachable');
        expect(second.remainingMs).toBeGreaterThan(4000);
        expect(second.remainingMs).toBeLessThanOrEqual(5000);
      });

      it('When many claims race for one key, then exactly one wins', async () => {
        const results = await Promise.all(
          Array.from({ length: 60 }, (_, i) => (i % 2 ? peer : store).claim(k('race'), 'fp', 5000)),
        );
        expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(1);
        expect(results.filter((r) => r.kind === 'in_flight')).toHaveLength(59);
      });

      it('When the claim is completed, then later claims get the stored value and fingerprint', async () => {
        const c = await store.claim(k('done'), 'fp', 5000);
        if (c.kind !== 'claimed') throw new Error('expected a claim');
        await expect(store.complete(k('done'), c.claimToken, '{"status":200}', 60_000)).resolves.toBe(true);
        await expect(peer.claim(k('done'), 'other', 5000)).resolves.toEqual({
          kind: 'completed',
          fingerprint: 'fp',
          value: '{"status":200}',
        });
      });

      it('When someone else tries to complete or release a claim, then nothing changes', async () => {
        const c = await store.claim(k('own'), 'fp', 5000);
        if (c.kind !== 'claimed') throw new Error('expected a claim');
        await expect(peer.complete(k('own'), 'not-the-token', 'x', 60_000)).resolves.toBe(false);
        await expect(peer.release(k('own'), 'not-the-token')).resolves.toBe(false);
        await expect(store.claim(k('own'), 'fp', 5000)).resolves.toMatchObject({ kind: 'in_flight' });
        await expect(store.complete(k('missing'), c.claimToken, 'x', 60_000)).resolves.toBe(false);
      });

      it('When a claim is released, then the key can be claimed again and the old token is dead', async () => {
        const c = await store.claim(k('rel'), 'fp', 5000);
        if (c.kind !== 'claimed') throw new Error('expected a claim');
        await expect(store.release(k('rel'), c.claimToken)).resolves.toBe(true);
        const again = await peer.claim(k('rel'), 'fp', 5000);
        expect(again.kind).toBe('claimed');
        await expect(store.complete(k('rel'), c.claimToken, 'x', 60_000)).resolves.toBe(false);
        await expect(store.release(k('rel'), c.claimToken)).resolves.toBe(false);
      });

      it('When a completed record is released, then it stays (only claims can be released)', async () => {
        const c = await store.claim(k('keep'), 'fp', 5000);
        if (c.kind !== 'claimed') throw new Error('expected a claim');
        await store.complete(k('keep'), c.claimToken, 'v', 60_000);
        await expect(store.release(k('keep'), c.claimToken)).resolves.toBe(false);
        await expect(store.claim(k('keep'), 'fp', 5000)).resolves.toMatchObject({ kind: 'completed', value: 'v' });
      });

      it('When a claim outlives its lease, then the key is free and the late owner cannot complete it', async () => {
        const c = await store.claim(k('lease'), 'fp', 80);
        if (c.kind !== 'claimed') throw new Error('expected a claim');
        await sleep(150);
        const again = await peer.claim(k('lease'), 'fp', 5000);
        expect(again.kind).toBe('claimed');
        await expect(store.complete(k('lease'), c.claimToken, 'late', 60_000)).resolves.toBe(false);
      });

      it('When a completed record reaches its TTL, then it is gone', async () => {
        const c = await store.claim(k('ttl'), 'fp', 5000);
        if (c.kind !== 'claimed') throw new Error('expected a claim');
        await store.complete(k('ttl'), c.claimToken, 'v', 80);
        await sleep(150);
        await expect(store.claim(k('ttl'), 'fp', 5000)).resolves.toMatchObject({ kind: 'claimed' });
      });
    });

    describe('rate limits', () => {
      it('When a bucket is empty, then Retry-After is the time to the next token and later refusals queue behind it', async () => {
        const b = [{ key: k('b'), perSecond: 1, burst: 3 }];
        for (let i = 0; i < 3; i += 1) await expect(store.take(b)).resolves.toEqual({ ok: true, delayMs: 0 });
        const first = await peer.take(b);
        const second = await store.take(b);
        const third = await peer.take(b);
        if (first.ok || second.ok || third.ok) throw new Error('expected refusals');
        expect(first.limitedBy).toBe(k('b'));
        expect(first.retryAfterMs).toBeGreaterThan(800);
        expect(first.retryAfterMs).toBeLessThanOrEqual(1000);
        expect(second.retryAfterMs).toBeGreaterThan(1800);
        expect(second.retryAfterMs).toBeLessThanOrEqual(2000);
        expect(third.retryAfterMs).toBeGreaterThan(2800);
        expect(third.retryAfterMs).toBeLessThanOrEqual(3000);
      });

      it('When time passes, then the bucket refills at its rate', async () => {
        const b = [{ key: k('refill'), perSecond: 20, burst: 1 }];
        await expect(store.take(b)).resolves.toEqual({ ok: true, delayMs: 0 });
        const refused = await store.take(b);
        expect(refused.ok).toBe(false);
        await sleep(120);
        await expect(peer.take(b)).resolves.toEqual({ ok: true, delayMs: 0 });
      });

      it('When many takes race, then exactly burst of them succeed', async () => {
        const b = [{ key: k('race'), perSecond: 0.5, burst: 10 }];
        const results = await Promise.all(Array.from({ length: 80 }, (_, i) => (i % 2 ? peer : store).take(b)));
        expect(results.filter((r) => r.ok)).toHaveLength(10);
      });

      it('When one of several buckets is empty, then none is taken from and the empty one is named', async () => {
        const narrow = { key: k('narrow'), perSecond: 0.5, burst: 1 };
        const wide = { key: k('wide'), perSecond: 0.5, burst: 3 };
        await expect(store.take([narrow, wide])).resolves.toEqual({ ok: true, delayMs: 0 });
        await expect(store.take([narrow, wide])).resolves.toMatchObject({ ok: false, limitedBy: narrow.key });
        // The refused call took nothing from `wide`: it still has 2 tokens.
        await expect(store.take([wide])).resolves.toEqual({ ok: true, delayMs: 0 });
        await expect(store.take([wide])).resolves.toEqual({ ok: true, delayMs: 0 });
        await expect(store.take([wide])).resolves.toMatchObject({ ok: false, limitedBy: wide.key });
      });

      it('When a token comes within maxDelayMs, then it is taken now with the wait to honour, spacing callers at the rate', async () => {
        const b = [{ key: k('delay'), perSecond: 10, burst: 1 }];
        await expect(store.take(b, 250)).resolves.toEqual({ ok: true, delayMs: 0 });
        const second = await peer.take(b, 250);
        const third = await store.take(b, 250);
        if (!second.ok || !third.ok) throw new Error('expected delayed admissions');
        expect(second.delayMs).toBeGreaterThan(50);
        expect(second.delayMs).toBeLessThanOrEqual(100);
        expect(third.delayMs).toBeGreaterThan(150);
        expect(third.delayMs).toBeLessThanOrEqual(200);
        // The next one would wait ~300 ms: refused, told to come back after the owed tokens.
        const refused = await peer.take(b, 250);
        if (refused.ok) throw new Error('expected a refusal');
        expect(refused.retryAfterMs).toBeGreaterThan(250);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(300);
      });

      it('When many takes with a delay allowance race, then exactly burst + what refills within it are admitted', async () => {
        const b = [{ key: k('delay-race'), perSecond: 10, burst: 2 }];
        const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? peer : store).take(b, 450)));
        // 2 at once, then one every 100 ms up to 450 ms: 4 more (a slow run may refill a little).
        const admitted = results.filter((r) => r.ok).length;
        expect(admitted).toBeGreaterThanOrEqual(6);
        expect(admitted).toBeLessThanOrEqual(7);
      });

      it('When tokens are owed to waiting callers, then the bucket is kept until they are paid back', async () => {
        const b = [{ key: k('debt'), perSecond: 10, burst: 1 }];
        for (let i = 0; i < 25; i += 1) expect((await store.take(b, 3000)).ok).toBe(true);
        // 24 tokens owed: 2.4 s to pay back. Forgetting the bucket after a full bucket's
        // refill (0.1 s) plus a margin would hand out a fresh burst while callers still wait.
        await sleep(1300);
        await expect(peer.take(b)).resolves.toMatchObject({ ok: false });
      });

      it('When a herd honours Retry-After, then the slots it is given are spread at the bucket rate', async () => {
        const b = [{ key: k('herd'), perSecond: 10, burst: 1 }];
        await store.take(b);
        const waits: number[] = [];
        for (let i = 0; i < 20; i += 1) {
          const r = await (i % 2 ? peer : store).take(b);
          if (r.ok) throw new Error('expected a refusal');
          waits.push(r.retryAfterMs);
        }
        // 20 refused callers are told to come back over ~2 s, 100 ms apart.
        expect(waits[19]! - waits[0]!).toBeGreaterThan(1800);
        expect(waits[19]! - waits[0]!).toBeLessThan(2100);
        for (let i = 1; i < waits.length; i += 1) expect(waits[i]!).toBeGreaterThan(waits[i - 1]!);
      });
    });

    describe('concurrency slots', () => {
      it('When all slots are taken, then the next holder is refused until one is released', async () => {
        await expect(store.acquireSlot(k('s'), 'a', 2, 5000)).resolves.toEqual({ ok: true });
        await expect(peer.acquireSlot(k('s'), 'b', 2, 5000)).resolves.toEqual({ ok: true });
        const refused = await store.acquireSlot(k('s'), 'c', 2, 5000);
        expect(refused.ok).toBe(false);
        if (!refused.ok) expect(refused.retryAfterMs).toBeGreaterThan(0);
        await peer.releaseSlot(k('s'), 'a');
        await expect(store.acquireSlot(k('s'), 'c', 2, 5000)).resolves.toEqual({ ok: true });
        await store.releaseSlot(k('s'), 'not-a-holder');
      });

      it('When a holder dies without releasing, then its slot comes back after the lease', async () => {
        await expect(store.acquireSlot(k('lease'), 'crashed', 1, 80)).resolves.toEqual({ ok: true });
        await expect(peer.acquireSlot(k('lease'), 'other', 1, 5000)).resolves.toMatchObject({ ok: false });
        await sleep(150);
        await expect(peer.acquireSlot(k('lease'), 'other', 1, 5000)).resolves.toEqual({ ok: true });
      });

      it('When many holders race, then exactly max get a slot', async () => {
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? peer : store).acquireSlot(k('race'), `h${i}`, 5, 5000)),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(5);
      });
    });

    describe('target back-off', () => {
      it('When a target is held, then every handle sees it until the hold ends; a shorter hold does not shorten it', async () => {
        await expect(store.heldFor(k('h'))).resolves.toBe(0);
        await store.holdFor(k('h'), 300);
        await store.holdFor(k('h'), 10);
        const left = await peer.heldFor(k('h'));
        expect(left).toBeGreaterThan(200);
        expect(left).toBeLessThanOrEqual(300);
        await peer.holdFor(k('h'), 1000);
        expect(await store.heldFor(k('h'))).toBeGreaterThan(900);
      });

      it('When the hold ends, then the target is free', async () => {
        await store.holdFor(k('short'), 60);
        await sleep(120);
        await expect(peer.heldFor(k('short'))).resolves.toBe(0);
      });
    });

    describe('circuit breaker', () => {
      it('When failures reach the threshold, then the circuit opens; after the open time one probe goes through', async () => {
        const c = k('c');
        await expect(store.circuitCheck(c, 1000)).resolves.toEqual({ state: 'closed' });
        await expect(store.circuitRecord(c, false, 3, 200)).resolves.toBe('closed');
        await expect(peer.circuitRecord(c, false, 3, 200)).resolves.toBe('closed');
        await expect(store.circuitRecord(c, false, 3, 200)).resolves.toBe('open');
        const open = await peer.circuitCheck(c, 1000);
        expect(open.state).toBe('open');
        if (open.state === 'open') {
          expect(open.retryAfterMs).toBeGreaterThan(100);
          expect(open.retryAfterMs).toBeLessThanOrEqual(200);
        }
        await sleep(250);
        await expect(store.circuitCheck(c, 1000)).resolves.toEqual({ state: 'probe' });
        // While the probe is out, everyone else waits for it.
        await expect(peer.circuitCheck(c, 1000)).resolves.toMatchObject({ state: 'open' });
        await expect(store.circuitRecord(c, true, 3, 200)).resolves.toBe('closed');
        await expect(peer.circuitCheck(c, 1000)).resolves.toEqual({ state: 'closed' });
      });

      it('When a success comes between failures, then the count starts again', async () => {
        const c = k('reset');
        await store.circuitRecord(c, false, 2, 200);
        await store.circuitRecord(c, true, 2, 200);
        await expect(store.circuitRecord(c, false, 2, 200)).resolves.toBe('closed');
        await expect(store.circuitCheck(c, 1000)).resolves.toEqual({ state: 'closed' });
      });

      it('When the probe fails, then the circuit opens again for the full time', async () => {
        const c = k('probe-fails');
        await store.circuitRecord(c, false, 1, 100);
        await sleep(150);
        await expect(store.circuitCheck(c, 1000)).resolves.toEqual({ state: 'probe' });
        await expect(peer.circuitRecord(c, false, 1, 300)).resolves.toBe('open');
        const check = await store.circuitCheck(c, 1000);
        expect(check.state).toBe('open');
        if (check.state === 'open') expect(check.retryAfterMs).toBeGreaterThan(200);
      });

      it('When the probe does not answer within its lease, then another caller becomes the probe', async () => {
        const c = k('probe-lost');
        await store.circuitRecord(c, false, 1, 50);
        await sleep(100);
        await expect(store.circuitCheck(c, 80)).resolves.toEqual({ state: 'probe' });
        await sleep(120);
        await expect(peer.circuitCheck(c, 80)).resolves.toEqual({ state: 'probe' });
      });

      it('When many callers race for the probe, then exactly one gets it', async () => {
        const c = k('probe-race');
        await store.circuitRecord(c, false, 1, 50);
        await sleep(100);
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => (i % 2 ? peer : store).circuitCheck(c, 5000)),
        );
        expect(results.filter((r) => r.state === 'probe')).toHaveLength(1);
      });
    });
  });
}
