/**
 * Builds the state store the config asks for: `memory` (the default, one process) or a
 * `redis://` / `rediss://` URL (several replicas sharing records and limits).
 */
import { MemoryStateStore } from './memory-state-store';
import { RedisStateStore } from './redis-state-store';
import type { StateStore } from './state-store';

export interface StateStoreSettings {
  store: string;
  key_prefix?: string;
}

export function createStateStore(settings: StateStoreSettings): StateStore {
  if (settings.store === 'memory') return new MemoryStateStore();
  if (/^rediss?:\/\//.test(settings.store)) {
    return new RedisStateStore({ url: settings.store, keyPrefix: settings.key_prefix });
  }
  // The config schema only lets these two forms through; this guards other callers.
  throw new Error('state.store must be "memory" or a redis:// URL');
}
