/**
 * Durations and times in Vault's formats: request durations are parsed by the shared
 * vault-policy parser (parseutil.ParseDurationSecond semantics); responses print Go's
 * time.Duration.String() and RFC3339Nano timestamps.
 */
import { parseDuration } from '../../vault-policy';
import { FieldConversionError } from './field-conversion-error';

/** Seconds, truncated toward zero like int(dur.Seconds()); null/absent is 0. */
export function parseDurationSeconds(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new FieldConversionError('could not parse duration from input');
  }
  try {
    return parseDuration(value);
  } catch (err) {
    throw new FieldConversionError(err instanceof Error ? err.message : String(err));
  }
}

/** Go's time.Duration.String() for a whole number of seconds: "0s", "1m30s", "1h0m0s". */
export function goDurationString(seconds: number): string {
  if (seconds === 0) return '0s';
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(seconds);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** Go's time.Format(time.RFC3339Nano) in UTC: fractional zeros trimmed, "Z" suffix. */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.600Z
  return iso.replace(/\.(\d+)Z$/, (_m, frac: string) => {
    const trimmed = frac.replace(/0+$/, '');
    return trimmed === '' ? 'Z' : `.${trimmed}Z`;
  });
}

/** Go's zero time.Time in JSON, used where Vault shows "no expiration". */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
