/**
 * The token-bucket arithmetic shared by MemoryStateStore. RedisStateStore runs the
 * same steps in Lua (redis-scripts.ts); the shared contract suite keeps them equal.
 *
 * A bucket holds up to `burst` tokens and refills at `perSecond`. `queue` is the
 * time up to which refused callers have already been given a slot to come back at:
 * each refusal gets the next slot after it, 1/perSecond apart, so Retry-After spreads
 * a herd over the time the bucket really needs to serve it.
 */
import type { RateBucket, TakeResult } from './state-store';

export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  updatedAt: number;
  /** Slots up to this time (ms) are already promised to refused callers. */
  queue: number;
}

export function freshBucket(bucket: RateBucket, now: number): BucketState {
  return { tokens: bucket.burst, updatedAt: now, queue: now };
}

/** Mutates `states` (same order as `buckets`) and returns the decision. */
export function takeFromBuckets(
  buckets: readonly RateBucket[],
  states: BucketState[],
  now: number,
  maxDelayMs = 0,
): TakeResult {
  buckets.forEach((b, i) => {
    const s = states[i]!;
    const elapsed = Math.max(0, now - s.updatedAt);
    s.tokens = Math.min(b.burst, s.tokens + (elapsed * b.perSecond) / 1000);
    s.updatedAt = now;
  });
  // When could every bucket give a token? Tokens below 1 are owed to earlier callers.
  let delay = 0;
  buckets.forEach((b, i) => {
    const s = states[i]!;
    if (s.tokens < 1) delay = Math.max(delay, ((1 - s.tokens) * 1000) / b.perSecond);
  });
  if (delay <= maxDelayMs) {
    for (const s of states) s.tokens -= 1;
    return { ok: true, delayMs: Math.ceil(delay) };
  }
  let wait = 0;
  let limitedBy = '';
  buckets.forEach((b, i) => {
    const s = states[i]!;
    if (s.tokens >= 1) return;
    const interval = 1000 / b.perSecond;
    const nextToken = now + (1 - s.tokens) * interval;
    const slot = Math.max(s.queue, nextToken);
    s.queue = slot + interval;
    if (slot - now >= wait) {
      wait = slot - now;
      limitedBy = b.key;
    }
  });
  return { ok: false, retryAfterMs: Math.ceil(wait), limitedBy };
}

/** How long a bucket must be kept before forgetting it changes nothing (ms). */
export function bucketLifetimeMs(bucket: RateBucket, state: BucketState, now: number): number {
  // Until it is full again: the tokens owed to waiting callers (debt) count too.
  const refill = ((bucket.burst - Math.min(state.tokens, bucket.burst)) * 1000) / bucket.perSecond;
  return Math.ceil(Math.max(0, state.queue - now) + refill + 1000);
}
