/** Time helpers shared by the core: Go's formats for timestamps and durations. */
export { goDurationString, rfc3339Nano, GO_ZERO_TIME } from '../backends/duration';

/** Unix seconds, truncated as Go's time.Unix() does. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
