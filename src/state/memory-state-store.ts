/**
 * The default state store: plain maps in this process. Right for one broker process;
 * with several replicas each would keep its own records and limits, so use
 * RedisStateStore there. Every method runs to completion without awaiting anything in
 * between, which is what makes each operation atomic on Node's single thread.
 */
import { randomUUID } from 'node:crypto';
import type {
  CircuitCheck,
  CircuitState,
  ClaimResult,
  RateBucket,
  SlotResult,
  StateStore,
  TakeResult,
} from './state-store';
import { type BucketState, bucketLifetimeMs, freshBucket, takeFromBuckets } from './token-bucket';

type IdempotencyEntry =
  | { kind: 'in_flight'; fingerprint: string; claimToken: string; expiresAt: number }
  | { kind: 'completed'; fingerprint: string; value: string; expiresAt: number };

interface Circuit {
  failures: number;
  /** 0 while closed; otherwise when the open period ends (then half-open). */
  openUntil: number;
  /** While half-open: until when the current probe has the way. */
  probeUntil: number;
}

export interface MemoryStateStoreOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** How often expired entries are swept out (ms). */
  sweepIntervalMs?: number;
}

export class MemoryStateStore implements StateStore {
  private readonly now: () => number;
  private readonly records = new Map<string, IdempotencyEntry>();
  private readonly buckets = new Map<string, { state: BucketState; expiresAt: number }>();
  private readonly slots = new Map<string, Map<string, number>>();
  private readonly holds = new Map<string, number>();
  private readonly circuits = new Map<string, Circuit>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    // The sweep only frees memory; it must not keep the process alive.
    this.sweeper.unref();
  }

  async claim(key: string, fingerprint: string, leaseMs: number): Promise<ClaimResult> {
    const now = this.now();
    const entry = this.liveRecord(key, now);
    if (entry?.kind === 'in_flight') {
      return { kind: 'in_flight', fingerprint: entry.fingerprint, remainingMs: entry.expiresAt - now };
    }
    if (entry?.kind === 'completed') {
      return { kind: 'completed', fingerprint: entry.fingerprint, value: entry.value };
    }
    const claimToken = randomUUID();
    this.records.set(key, { kind: 'in_flight', fingerprint, claimToken, expiresAt: now + leaseMs });
    return { kind: 'claimed', claimToken };
  }

  async complete(key: string, claimToken: string, value: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const entry = this.liveRecord(key, now);
    if (entry?.kind !== 'in_flight' || entry.claimToken !== claimToken) return false;
    this.records.set(key, { kind: 'completed', fingerprint: entry.fingerprint, value, expiresAt: now + ttlMs });
    return true;
  }

  async release(key: string, claimToken: string): Promise<boolean> {
    const entry = this.liveRecord(key, this.now());
    if (entry?.kind !== 'in_flight' || entry.claimToken !== claimToken) return false;
    this.records.delete(key);
    return true;
  }

  async take(buckets: readonly RateBucket[], maxDelayMs = 0): Promise<TakeResult> {
    const now = this.now();
    const states = buckets.map((b) => {
      const held = this.buckets.get(b.key);
      return held && held.expiresAt > now ? held.state : freshBucket(b, now);
    });
    const result = takeFromBuckets(buckets, states, now, maxDelayMs);
    buckets.forEach((b, i) => {
      const state = states[i]!;
      this.buckets.set(b.key, { state, expiresAt: now + bucketLifetimeMs(b, state, now) });
    });
    return result;
  }

  async acquireSlot(key: string, holder: string, max: number, leaseMs: number): Promise<SlotResult> {
    const now = this.now();
    const holders = this.slots.get(key) ?? new Map<string, number>();
    for (const [h, expiresAt] of holders) if (expiresAt <= now) holders.delete(h);
    if (holders.size >= max && !holders.has(holder)) {
      const earliest = Math.min(...holders.values());
      this.slots.set(key, holders);
      return { ok: false, retryAfterMs: Math.max(1, Math.min(earliest - now, 1000)) };
    }
    holders.set(holder, now + leaseMs);
    this.slots.set(key, holders);
    return { ok: true };
  }

  async releaseSlot(key: string, holder: string): Promise<void> {
    const holders = this.slots.get(key);
    if (!holders) return;
    holders.delete(holder);
    if (holders.size === 0) this.slots.delete(key);
  }

  async holdFor(key: string, ms: number): Promise<void> {
    const until = this.now() + ms;
    if ((this.holds.get(key) ?? 0) < until) this.holds.set(key, until);
  }

  async heldFor(key: string): Promise<number> {
    const now = this.now();
    const until = this.holds.get(key) ?? 0;
    if (until <= now) {
      this.holds.delete(key);
      return 0;
    }
    return until - now;
  }

  async circuitCheck(key: string, probeLeaseMs: number): Promise<CircuitCheck> {
    const now = this.now();
    const c = this.circuits.get(key);
    if (!c || c.openUntil === 0) return { state: 'closed' };
    if (now < c.openUntil) return { state: 'open', retryAfterMs: c.openUntil - now };
    if (now < c.probeUntil) return { state: 'open', retryAfterMs: c.probeUntil - now };
    c.probeUntil = now + probeLeaseMs;
    return { state: 'probe' };
  }

  async circuitRecord(key: string, success: boolean, threshold: number, openMs: number): Promise<CircuitState> {
    const now = this.now();
    if (success) {
      this.circuits.delete(key);
      return 'closed';
    }
    const c = this.circuits.get(key) ?? { failures: 0, openUntil: 0, probeUntil: 0 };
    c.failures += 1;
    // Already open or half-open (a probe failed): start a new open period.
    if (c.openUntil !== 0 || c.failures >= threshold) {
      c.openUntil = now + openMs;
      c.probeUntil = 0;
    }
    this.circuits.set(key, c);
    return c.openUntil === 0 ? 'closed' : 'open';
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private liveRecord(key: string, now: number): IdempotencyEntry | undefined {
    const entry = this.records.get(key);
    if (entry && entry.expiresAt <= now) {
      this.records.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, e] of this.records) if (e.expiresAt <= now) this.records.delete(k);
    for (const [k, b] of this.buckets) if (b.expiresAt <= now) this.buckets.delete(k);
    for (const [k, until] of this.holds) if (until <= now) this.holds.delete(k);
    for (const [k, holders] of this.slots) {
      for (const [h, expiresAt] of holders) if (expiresAt <= now) holders.delete(h);
      if (holders.size === 0) this.slots.delete(k);
    }
  }
}
