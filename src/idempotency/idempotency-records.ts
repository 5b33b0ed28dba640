/**
 * Idempotency-Key semantics (IETF httpapi Idempotency-Key draft) on top of a StateStore:
 *
 * - the first request with a key claims it for the time it may take (a lease);
 * - a duplicate while it runs gets 409 (ConflictError, with Retry-After);
 * - once it completed, a duplicate gets the stored response, without calling the target;
 * - the same key with another request (other action, parameters or role) gets 422;
 * - a record is kept for `ttlMs` (idempotency.ttl_seconds, 24 h by default).
 *
 * Keys are scoped per caller role, so one role can never read another role's outcome
 * by guessing its key. Only outcomes for which the target was (or may have been) called
 * are stored; when it provably was not, the claim is released and a retry starts over.
 */
import { ConflictError } from '../errors/conflict-error';
import { IdempotencyKeyReusedError } from '../errors/idempotency-key-reused-error';
import type { StateStore } from '../state/state-store';

/** The response a completed key replays. */
export interface StoredResponse {
  status: number;
  /** The JSON body as it was sent the first time (result or error, and its request_id). */
  body: unknown;
  /** Whether the target was (or may have been) called; false outcomes are never stored. */
  targetCalled: boolean;
}

export type IdempotencyBegin =
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'claimed'; claim: IdempotencyClaim };

/** A held claim: finish it with the outcome, or abandon it when the target was not called. */
export interface IdempotencyClaim {
  /** Stores the outcome for replay. False if the claim had expired (logged by the caller). */
  finish(response: StoredResponse): Promise<boolean>;
  /** Releases the key so a retry can run the request again. */
  abandon(): Promise<void>;
}

export interface IdempotencyOptions {
  /** How long completed records are kept. */
  ttlMs: number;
}

interface StoredRecord {
  status: number;
  body: unknown;
  target_called: boolean;
}

export class IdempotencyRecords {
  constructor(
    private readonly store: StateStore,
    private readonly options: IdempotencyOptions,
  ) {}

  /**
   * Claims (role, key) for a request with `fingerprint`, for at most `leaseMs`.
   * Throws ConflictError (409) or IdempotencyKeyReusedError (422).
   */
  async begin(input: { role: string; key: string; fingerprint: string; leaseMs: number }): Promise<IdempotencyBegin> {
    const storeKey = `${encodeURIComponent(input.role)}/${input.key}`;
    const claimed = await this.store.claim(storeKey, input.fingerprint, input.leaseMs);
    if (claimed.kind !== 'claimed' && claimed.fingerprint !== input.fingerprint) {
      throw new IdempotencyKeyReusedError();
    }
    if (claimed.kind === 'in_flight') throw new ConflictError(claimed.remainingMs / 1000);
    if (claimed.kind === 'completed') {
      const record = JSON.parse(claimed.value) as StoredRecord;
      return { kind: 'replay', response: { status: record.status, body: record.body, targetCalled: record.target_called } };
    }
    const { claimToken } = claimed;
    return {
      kind: 'claimed',
      claim: {
        finish: async (response) => {
          const record: StoredRecord = { status: response.status, body: response.body, target_called: response.targetCalled };
          return this.store.complete(storeKey, claimToken, JSON.stringify(record), this.options.ttlMs);
        },
        abandon: async () => {
          await this.store.release(storeKey, claimToken);
        },
      },
    };
  }
}
