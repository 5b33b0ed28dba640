/**
 * devvault: an in-memory server speaking the subset of Vault's HTTP API the broker uses,
 * with Vault's semantics. For development and tests only.
 */
export { startDevVault } from './server';
export type { DevVaultHandle, DevVaultOptions, DevVaultStats } from './server';
export { systemClock } from './backend';
export type { AuthGrant, Backend, BackendResponse, Clock, Operation, RequestContext } from './backend';
export { LogicalError } from './backend';
export { LeaseRegistry } from './leases/lease-registry';
export type { Lease } from './leases/lease-registry';
