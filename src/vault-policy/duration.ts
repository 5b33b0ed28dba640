import { DurationParseError } from './errors';

/**
 * Durations the way Vault reads them (go-secure-stdlib parseutil.ParseDurationSecond):
 * a number is seconds; a string is an integer number of seconds ("300"), whole days ("7d"),
 * or a Go duration ("15s", "20m", "25h", "1h30m", "1.5h", "500ms"); "" is 0.
 */

const UNIT_NANOS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5
  'μs': 1e3, // U+03BC
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's maximum time.Duration, in nanoseconds (about 292 years). */
const MAX_DURATION_NANOS = 2 ** 63 - 1;

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's time.ParseDuration, returning nanoseconds. Error texts are Go's. */
function parseGoDuration(orig: string): number {
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new DurationParseError(`time: invalid duration ${goQuote(orig)}`, orig);
  let total = 0;
  while (s !== '') {
    const num = /^([0-9]*)(\.([0-9]*))?/.exec(s);
    const intPart = num?.[1] ?? '';
    const fracPart = num?.[3] ?? '';
    const consumed = num?.[0] ?? '';
    if (intPart === '' && fracPart === '') {
      throw new DurationParseError(`time: invalid duration ${goQuote(orig)}`, orig);
    }
    s = s.slice(consumed.length);
    const unitMatch = /^[^0-9.]*/.exec(s);
    const unit = unitMatch?.[0] ?? '';
    if (unit === '') throw new DurationParseError(`time: missing unit in duration ${goQuote(orig)}`, orig);
    const scale = UNIT_NANOS[unit];
    if (scale === undefined) {
      throw new DurationParseError(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(orig)}`, orig);
    }
    s = s.slice(unit.length);
    total += Number(`${intPart || '0'}.${fracPart || '0'}`) * scale;
    if (total > MAX_DURATION_NANOS) throw new DurationParseError(`time: invalid duration ${goQuote(orig)}`, orig);
  }
  return neg ? -total : total;
}

/**
 * Exact seconds (may be fractional for "1.5s" or "500ms"). Used where Vault compares
 * time.Duration values, such as min_wrapping_ttl against a requested wrap TTL.
 */
export function parseDurationExact(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new DurationParseError('could not parse duration from input', v);
    // Go converts a float to time.Duration (integer) before multiplying by time.Second.
    return Math.trunc(v);
  }
  if (typeof v !== 'string') throw new DurationParseError('could not parse duration from input', v);
  if (v === '') return 0;
  if (/^[+-]?[0-9]+$/.test(v)) {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new DurationParseError(`strconv.ParseInt: parsing ${goQuote(v)}: value out of range`, v);
    return n;
  }
  if (v.endsWith('d')) {
    const days = v.slice(0, -1);
    if (!/^[+-]?[0-9]+$/.test(days)) {
      throw new DurationParseError(`strconv.ParseInt: parsing ${goQuote(days)}: invalid syntax`, v);
    }
    return Number(days) * 86400;
  }
  return parseGoDuration(v) / 1e9;
}

/**
 * Parse a TTL or duration to whole seconds, truncated toward zero as Vault does for its
 * duration fields (`int(dur.Seconds())`). Accepts numbers (seconds), integer strings
 * (seconds), "<n>d" (days) and Go durations ("15s", "20m", "25h", "1h30m"). Negative values
 * are returned as they are (Vault parses them; callers decide whether they are allowed).
 * Throws DurationParseError with Go's message on anything else.
 */
export function parseDuration(v: string | number): number {
  // `+ 0` turns -0 (from "-0s" or "-0.5s") into 0.
  return Math.trunc(parseDurationExact(v)) + 0;
}
