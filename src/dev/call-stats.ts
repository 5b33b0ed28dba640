/**
 * Counts the calls a demo or test target receives, so shaping can be watched and
 * checked: total calls, calls per Idempotency-Key (a key called twice means the broker
 * made a duplicate call), and the most calls in any one second — both per calendar
 * second and in any sliding one-second window. Served as `GET /__stats`.
 */

export interface CallStatsSnapshot {
  total: number;
  /** Calls per Idempotency-Key forwarded by the broker (calls without one are not listed). */
  by_key: Record<string, number>;
  /** Keys that were called more than once. */
  duplicate_keys: string[];
  /** The most calls that fell into one calendar second. */
  max_per_calendar_second: number;
  /** The most calls in any window of 1000 ms. */
  max_in_any_second: number;
  first_call_at: string | null;
  last_call_at: string | null;
  /** True when more distinct keys arrived than are kept (the counts above stay exact). */
  by_key_truncated: boolean;
}

export class CallStats {
  private total = 0;
  private readonly byKey = new Map<string, number>();
  private readonly duplicates = new Set<string>();
  private readonly perSecond = new Map<number, number>();
  private maxPerSecond = 0;
  /** Call times inside the last 1000 ms, oldest first. */
  private window: number[] = [];
  private windowStart = 0;
  private maxWindow = 0;
  private first: number | null = null;
  private last: number | null = null;
  private truncated = false;

  constructor(private readonly maxKeys = 100_000) {}

  /** Calls so far (cheap; snapshot() copies the per-key counts). */
  get totalCalls(): number {
    return this.total;
  }

  record(key: string | undefined, at: number = Date.now()): void {
    this.total += 1;
    this.first ??= at;
    this.last = at;
    if (key !== undefined) {
      const seen = this.byKey.get(key);
      if (seen !== undefined) {
        this.byKey.set(key, seen + 1);
        this.duplicates.add(key);
      } else if (this.byKey.size < this.maxKeys) {
        this.byKey.set(key, 1);
      } else {
        this.truncated = true;
      }
    }
    const second = Math.floor(at / 1000);
    const inSecond = (this.perSecond.get(second) ?? 0) + 1;
    this.perSecond.set(second, inSecond);
    this.maxPerSecond = Math.max(this.maxPerSecond, inSecond);
    // Only a few seconds are needed to keep the maximum; forget older ones.
    if (this.perSecond.size > 10) {
      for (const s of this.perSecond.keys()) if (s < second - 5) this.perSecond.delete(s);
    }
    this.window.push(at);
    while (this.window[this.windowStart]! <= at - 1000) this.windowStart += 1;
    this.maxWindow = Math.max(this.maxWindow, this.window.length - this.windowStart);
    if (this.windowStart > 4096) {
      this.window = this.window.slice(this.windowStart);
      this.windowStart = 0;
    }
  }

  snapshot(): CallStatsSnapshot {
    return {
      total: this.total,
      by_key: Object.fromEntries(this.byKey),
      duplicate_keys: [...this.duplicates],
      max_per_calendar_second: this.maxPerSecond,
      max_in_any_second: this.maxWindow,
      first_call_at: this.first === null ? null : new Date(this.first).toISOString(),
      last_call_at: this.last === null ? null : new Date(this.last).toISOString(),
      by_key_truncated: this.truncated,
    };
  }

  reset(): void {
    this.total = 0;
    this.byKey.clear();
    this.duplicates.clear();
    this.perSecond.clear();
    this.maxPerSecond = 0;
    this.window = [];
    this.windowStart = 0;
    this.maxWindow = 0;
    this.first = null;
    this.last = null;
    this.truncated = false;
  }
}
