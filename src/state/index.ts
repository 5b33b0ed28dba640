/**
 * Shared state: idempotency records and traffic-shaping counters, in memory for one
 * process or in Redis for several replicas. See state-store.ts for the contract.
 */
export type {
  StateStore,
  ClaimResult,
  RateBucket,
  TakeResult,
  SlotResult,
  CircuitCheck,
  CircuitState,
} from './state-store';
export { MemoryStateStore, type MemoryStateStoreOptions } from './memory-state-store';
export { RedisStateStore, DEFAULT_KEY_PREFIX, type RedisStateStoreOptions } from './redis-state-store';
export { createStateStore, type StateStoreSettings } from './create-state-store';
