/**
 * How an endpoint retries a broker call: the one statement of the policy that the
 * endpoint scripts (src/bigfix/scripts/broker-invoke.sh, .ps1) implement and that
 * `credential-broker simulate` plays, so a simulated wave behaves like a real one.
 * Change it here and in the scripts together.
 *
 * - Retried: 409 (the same Idempotency-Key is still in flight), 429 (over the target's
 *   rate), 503 (Vault or the target paused), and failures to connect or lost
 *   connections (the Idempotency-Key makes a second attempt safe). Nothing else: other
 *   4xx will not get better, and 502/504 may have reached the target.
 * - Wait, in whole seconds, after the n-th failed attempt (n = 1, 2, …): the jitter
 *   window is 2^n seconds, 30 from the fifth attempt on. With a Retry-After the wait is
 *   Retry-After plus a random 0..min(window, 10); without one, 1 plus a random
 *   0..window ("full jitter"). Many endpoints told to wait the same time therefore do
 *   not all come back in the same second.
 * - Deadline: never sleep past it and never come back before Retry-After: when a
 *   Retry-After does not fit in what is left (less one second for the call), give up
 *   now with the last answer.
 */

/** HTTP statuses an endpoint retries. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([409, 429, 503]);

/** What one attempt ended with. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; retryAfterSeconds?: number }
  /** No answer: could not connect, or the connection broke (curl exits 6, 7, 28, 52, 55, 56). */
  | { kind: 'transport_error' };

export type RetryDecision = { retry: true; waitSeconds: number } | { retry: false; reason: 'not_retryable' | 'deadline' };

/** The jitter window after the `attempt`-th failed attempt (1-based), in seconds. */
export function jitterWindowSeconds(attempt: number): number {
  return attempt >= 5 ? 30 : 2 ** attempt;
}

/**
 * Parses a Retry-After header the way the scripts do: only delay-seconds (digits);
 * an HTTP-date or anything else counts as absent.
 */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  return /^[0-9]+$/.test(v) ? Number(v) : undefined;
}

/**
 * Decides what to do after the `attempt`-th failed attempt (1-based). `secondsLeft` is
 * the whole seconds until the deadline; `randomUpTo(n)` returns an integer in 0..n.
 */
export function nextStep(
  outcome: AttemptOutcome,
  attempt: number,
  secondsLeft: number,
  randomUpTo: (n: number) => number = uniformUpTo,
): RetryDecision {
  if (outcome.kind === 'response' && !RETRYABLE_STATUSES.has(outcome.status)) {
    return { retry: false, reason: 'not_retryable' };
  }
  const window = jitterWindowSeconds(attempt);
  const retryAfter = outcome.kind === 'response' ? outcome.retryAfterSeconds : undefined;
  const wait = retryAfter !== undefined ? retryAfter + randomUpTo(Math.min(window, 10)) : 1 + randomUpTo(window);
  const limit = secondsLeft - 1;
  if ((retryAfter !== undefined && retryAfter > limit) || limit < 1) return { retry: false, reason: 'deadline' };
  return { retry: true, waitSeconds: Math.min(wait, limit) };
}

/** A uniformly random integer in 0..n. */
export function uniformUpTo(n: number): number {
  return Math.floor(Math.random() * (n + 1));
}
