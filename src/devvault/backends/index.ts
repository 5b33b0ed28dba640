/**
 * The backends devvault can mount, by mount type (`sys/mounts` / `sys/auth` "type").
 * The core looks the type up here when it mounts a path.
 */
import type { Backend } from '../backend';
import { createAppRoleBackend } from './approle';
import { createKvBackend } from './kv';

export type BackendFactory = (opts: { type: string; options: Record<string, string> }) => Backend;

export const backendFactories: Record<string, BackendFactory> = {
  kv: createKvBackend,
  'kv-v2': createKvBackend,
  approle: () => createAppRoleBackend(),
};
