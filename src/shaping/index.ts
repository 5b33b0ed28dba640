/** Traffic shaping per target and action: hold-back, concurrency caps, rate limits, circuit breaker. */
export {
  TrafficShaper,
  DEFAULT_SLOW_DOWN_MS,
  type Admission,
  type CallOutcome,
  type ShapingSettings,
  type RateLimitSettings,
} from './traffic-shaper';
export { callOutcomeOf, toCallerError } from './call-outcome';
