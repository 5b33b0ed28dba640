/** Mount defaults of a `vault server -dev` (reference §11): 768h for both TTLs. */
export const DEFAULT_LEASE_TTL_SECONDS = 2764800;
export const MAX_LEASE_TTL_SECONDS = 2764800;
