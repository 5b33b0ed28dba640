/**
 * The state the broker shares between requests and, with Redis, between replicas:
 * idempotency records and the counters that shape traffic to targets. The interface
 * has exactly the atomic operations idempotency (src/idempotency) and shaping
 * (src/shaping) need; each one is a single step on the store, so two replicas racing
 * on the same key can never both win.
 *
 * Time: every duration is in milliseconds and relative ("for the next N ms"), and the
 * store measures it with its own clock (the Redis server's clock for RedisStateStore),
 * so replicas whose clocks differ still agree on when a lease or a hold ends.
 *
 * Keys are opaque strings chosen by the callers; the store adds its own prefix.
 */
export interface StateStore {
  // ---- idempotency records -------------------------------------------------------

  /**
   * Claims `key` for one in-flight request if nobody holds it. The claim lasts
   * `leaseMs` (so a replica that dies mid-request does not block the key forever).
   * If the key is taken, returns what holds it: another in-flight claim (with the time
   * it has left) or a completed record. Either way the stored fingerprint comes back so
   * the caller can tell "same request again" from "same key, other request".
   */
  claim(key: string, fingerprint: string, leaseMs: number): Promise<ClaimResult>;

  /**
   * Replaces the claim identified by `claimToken` with the completed `value`, kept for
   * `ttlMs`. Returns false (and changes nothing) if the claim is no longer ours: its
   * lease ran out and the key expired or was claimed again.
   */
  complete(key: string, claimToken: string, value: string, ttlMs: number): Promise<boolean>;

  /** Drops the claim identified by `claimToken`, so a retry can claim the key again. */
  release(key: string, claimToken: string): Promise<boolean>;

  // ---- rate limits ---------------------------------------------------------------

  /**
   * Takes one token from every bucket in `buckets`, or from none. Buckets refill
   * continuously at `perSecond` up to `burst`.
   *
   * When a token will be there within `maxDelayMs`, it is taken now (the bucket goes
   * into debt) and the answer says how long to wait before using it: callers that arrive
   * together are then spaced 1/perSecond apart instead of refused. Beyond that nothing
   * is taken and the answer says how long to wait before asking again.
   *
   * The wait is a place in line, not just "until the next token": every refused call
   * is given the next free slot (1/perSecond apart) after the ones already told to come
   * back, so a herd of callers that all honour Retry-After come back spread over time
   * instead of together. Slots are not reserved; they are an honest estimate.
   */
  take(buckets: readonly RateBucket[], maxDelayMs?: number): Promise<TakeResult>;

  // ---- concurrency caps ----------------------------------------------------------

  /**
   * Takes one of `max` slots of `key` for `holder` for at most `leaseMs` (a crashed
   * replica's slots come back when their lease ends). Returns false when all are taken.
   */
  acquireSlot(key: string, holder: string, max: number, leaseMs: number): Promise<SlotResult>;

  /** Gives the slot back. Unknown holders are ignored. */
  releaseSlot(key: string, holder: string): Promise<void>;

  // ---- target back-off -----------------------------------------------------------

  /** Holds `key` back for `ms` from now, unless it is already held for longer. */
  holdFor(key: string, ms: number): Promise<void>;

  /** How long `key` is still held back, in ms; 0 when it is not. */
  heldFor(key: string): Promise<number>;

  // ---- circuit breaker -----------------------------------------------------------

  /**
   * May a call go through the circuit `key`? Closed: yes. Open: no, for `retryAfterMs`.
   * After the open period one caller at a time is let through as a probe (its turn lasts
   * `probeLeaseMs`); the others are told to wait until the probe has answered.
   */
  circuitCheck(key: string, probeLeaseMs: number): Promise<CircuitCheck>;

  /**
   * Records the outcome of a call through `key`. A success closes the circuit and clears
   * the count; `threshold` consecutive failures (or a failed probe) open it for `openMs`.
   */
  circuitRecord(key: string, success: boolean, threshold: number, openMs: number): Promise<CircuitState>;

  /** Releases connections and timers. */
  close(): Promise<void>;
}

export type ClaimResult =
  | { kind: 'claimed'; claimToken: string }
  | { kind: 'in_flight'; fingerprint: string; remainingMs: number }
  | { kind: 'completed'; fingerprint: string; value: string };

export interface RateBucket {
  key: string;
  perSecond: number;
  burst: number;
}

export type TakeResult = { ok: true; delayMs: number } | { ok: false; retryAfterMs: number; limitedBy: string };

export type SlotResult = { ok: true } | { ok: false; retryAfterMs: number };

export type CircuitState = 'closed' | 'open';

export type CircuitCheck =
  | { state: 'closed' }
  | { state: 'probe' }
  | { state: 'open'; retryAfterMs: number };
