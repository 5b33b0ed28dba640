/**
 * Keeps the broker's calls to each target within what the target (and the tool's
 * account behind it) can take, across all replicas when the state store is shared:
 *
 * 1. hold-back: a target that answered 429 or sent Retry-After is left alone for that
 *    long (every replica sees the hold);
 * 2. concurrency caps: at most `max_concurrent` calls in flight per target and per
 *    action (slots have a lease, so a crashed replica's slots come back);
 * 3. circuit breaker: `failure_threshold` consecutive failures open the circuit for
 *    `open_seconds`; then one probe call at a time decides whether it closes. Checked
 *    before the rate limit, so calls refused while it is open use up no tokens;
 * 4. rate limits: a token bucket per target and per action, taken from atomically. A
 *    call whose token comes within `queue_ms` waits for it in the broker (callers that
 *    arrive together leave spaced at the rate); later than that, it is refused. The wait
 *    is the last step before the target call, so calls reach the target at the rate.
 *
 * Refusals are RateLimitedError (429) or CircuitOpenError (503), both with a Retry-After
 * computed from the store (the bucket's next free slot, the hold, the open period), and
 * both before the target is called, so the caller may retry with the same key.
 */
import { randomUUID } from 'node:crypto';
import { CircuitOpenError } from '../errors/circuit-open-error';
import { RateLimitedError } from '../errors/rate-limited-error';
import type { RateBucket, StateStore } from '../state/state-store';

export interface RateLimitSettings {
  per_second?: number;
  burst?: number;
  /** How long a call may wait in the broker for its token before it is refused (ms). */
  queue_ms?: number;
  max_concurrent?: number;
}

export interface ShapingSettings {
  targets: Readonly<Record<string, { readonly rate_limit?: RateLimitSettings }>>;
  actions: Readonly<Record<string, { readonly target: string; readonly rate_limit?: RateLimitSettings }>>;
  circuitBreaker: { readonly failure_threshold: number; readonly open_seconds: number };
}

/** How the call through an admission ended, as far as the target's health is concerned. */
export type CallOutcome =
  /** Stopped before the target was called (Vault failed, …): says nothing about the target. */
  | { kind: 'not_called' }
  /** The target answered (2xx–4xx other than 429): it is healthy. */
  | { kind: 'answered' }
  /** 5xx, timeout, connection failure: counts towards opening the circuit. */
  | { kind: 'failed'; retryAfterMs?: number }
  /** The target said 429 (or sent Retry-After): hold it back for `retryAfterMs`. */
  | { kind: 'slow_down'; retryAfterMs: number };

/**
 * A call let through. `ready` waits for the call's rate-limit slot and must be the last
 * step before the target call (work such as reading the key can go on meanwhile); it
 * throws RateLimitedError when the slot was missed and no new one comes within
 * queue_ms. `finish` must be called once when the call is over.
 */
export interface Admission {
  ready(): Promise<void>;
  finish(outcome: CallOutcome): Promise<void>;
}

/**
 * How late (ms) a call may be for its rate-limit slot and still go. Later than this it
 * takes a new slot (see waitForSlot): a replica that stalled must not send its backlog at
 * once. Ordinary timer and Redis round-trip jitter stays well below it.
 */
export const LATE_SLOT_TOLERANCE_MS = 50;

/** Hold applied when a target says 429 without a usable Retry-After. */
export const DEFAULT_SLOW_DOWN_MS = 1000;

export class TrafficShaper {
  constructor(
    private readonly store: StateStore,
    private readonly settings: ShapingSettings,
    /** Called with store errors that happen after the outcome is decided (they must not change it). */
    private readonly onLateError: (err: unknown) => void = () => undefined,
  ) {}

  /**
   * Lets a call of `action` through to its target, or throws RateLimitedError /
   * CircuitOpenError. `leaseMs` bounds how long the call may hold its slots. The call
   * then waits for its turn with `ready()`.
   */
  async admit(action: string, leaseMs: number): Promise<Admission> {
    const actionSettings = this.settings.actions[action];
    if (!actionSettings) throw new Error(`no shaping settings for action "${action}"`);
    const target = actionSettings.target;
    const targetLimit = this.settings.targets[target]?.rate_limit;
    const actionLimit = actionSettings.rate_limit;

    const held = await this.store.heldFor(`target:${target}`);
    if (held > 0) {
      throw new RateLimitedError(`target "${target}" asked the broker to slow down`, held / 1000);
    }

    let ready = async (): Promise<void> => undefined;
    const holder = randomUUID();
    const slots: string[] = [];
    const releaseSlots = async () => {
      await Promise.all(slots.map((s) => this.store.releaseSlot(s, holder)));
    };
    try {
      for (const [key, limit, what] of [
        [`target:${target}`, targetLimit, `target "${target}"`],
        [`action:${action}`, actionLimit, `action "${action}"`],
      ] as const) {
        if (!limit?.max_concurrent) continue;
        const slot = await this.store.acquireSlot(key, holder, limit.max_concurrent, leaseMs);
        if (!slot.ok) {
          throw new RateLimitedError(`${what} has ${limit.max_concurrent} calls in flight already`, slot.retryAfterMs / 1000);
        }
        slots.push(key);
      }

      const buckets: RateBucket[] = [];
      const names = new Map<string, string>();
      const queueMs: number[] = [];
      for (const [key, limit, what] of [
        [`target:${target}`, targetLimit, `target "${target}"`],
        [`action:${action}`, actionLimit, `action "${action}"`],
      ] as const) {
        if (!limit?.per_second) continue;
        buckets.push({ key, perSecond: limit.per_second, burst: limit.burst ?? 1 });
        names.set(key, what);
        queueMs.push(limit.queue_ms ?? 0);
      }
      // The circuit first: while it is open, callers are refused without using up tokens.
      const circuit = await this.store.circuitCheck(`target:${target}`, leaseMs);
      if (circuit.state === 'open') throw new CircuitOpenError(target, circuit.retryAfterMs / 1000);

      if (buckets.length > 0) {
        const allowance = Math.min(...queueMs);
        const taken = await this.takeToken(buckets, names, allowance);
        // A token the bucket had to spare (no wait) is not a place in line: using it a
        // little later moves no one's slot. Only a call given a slot keeps to it.
        if (taken.delayMs > 0) ready = () => this.waitForSlot(taken.due, buckets, names, allowance);
      }
    } catch (err) {
      await releaseSlots().catch(this.onLateError);
      throw err;
    }

    let finished = false;
    return {
      ready: async () => {
        try {
          await ready();
        } catch (err) {
          await releaseSlots().catch(this.onLateError);
          throw err;
        }
      },
      finish: async (outcome) => {
        if (finished) return;
        finished = true;
        const { failure_threshold: threshold, open_seconds: openSeconds } = this.settings.circuitBreaker;
        const work: Promise<unknown>[] = [releaseSlots()];
        if (outcome.kind === 'slow_down') {
          work.push(this.store.holdFor(`target:${target}`, outcome.retryAfterMs));
        }
        if (outcome.kind === 'failed' && outcome.retryAfterMs) {
          work.push(this.store.holdFor(`target:${target}`, outcome.retryAfterMs));
        }
        if (outcome.kind !== 'not_called') {
          // A 429 is the target working as designed, so it closes the circuit like a success.
          work.push(this.store.circuitRecord(`target:${target}`, outcome.kind !== 'failed', threshold, openSeconds * 1000));
        }
        await Promise.all(work).catch(this.onLateError);
      },
    };
  }

  /**
   * Takes a token from every bucket, waiting in line for at most `queueMs`. Returns
   * when (local clock) the token may be used and how long that is from now; throws
   * RateLimitedError when the wait would be longer.
   */
  private async takeToken(
    buckets: RateBucket[],
    names: Map<string, string>,
    queueMs: number,
  ): Promise<{ due: number; delayMs: number }> {
    const askedAt = Date.now();
    const taken = await this.store.take(buckets, Math.max(0, queueMs));
    if (!taken.ok) {
      throw new RateLimitedError(`${names.get(taken.limitedBy) ?? 'target'} is over its rate limit`, taken.retryAfterMs / 1000);
    }
    return { due: askedAt + taken.delayMs, delayMs: taken.delayMs };
  }

  /**
   * Waits until `due`, the time the call's token was handed out for. A call that is late
   * for it (its key took long to read, or this process stalled: a GC pause, a starved
   * CPU) should not go now: the calls whose slots are now go too, from every replica,
   * and the target would see them bunched above its rate. It takes one new place in line
   * instead, again within `queueMs` (its first token is spent: that slot went unused), so
   * a call waits at most twice queue_ms. Only once, so a host that is slow all the time
   * still gets its calls out.
   */
  private async waitForSlot(due: number, buckets: RateBucket[], names: Map<string, string>, queueMs: number): Promise<void> {
    for (let retaken = false; ; retaken = true) {
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (retaken || Date.now() - due <= LATE_SLOT_TOLERANCE_MS) return;
      due = (await this.takeToken(buckets, names, queueMs)).due;
    }
  }
}
