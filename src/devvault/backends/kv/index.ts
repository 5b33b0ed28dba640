/**
 * The KV secrets engine: `kv` with options.version "1" (or none) is the unversioned
 * passthrough store, version "2" (or type `kv-v2`) the versioned one (reference §5.1).
 */
import type { Backend } from '../../backend';
import { KvV1Backend } from './kv-v1';
import { KvV2Backend } from './kv-v2';

export { KvV1Backend, KvV2Backend };

export function createKvBackend(opts: { type: string; options: Record<string, string> }): Backend {
  if (opts.type === 'kv-v2' || opts.options.version === '2') return new KvV2Backend();
  return new KvV1Backend();
}
