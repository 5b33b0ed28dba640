import type { Operation } from '../devvault/backend';

export type { Operation };

/** Every capability a Vault ACL policy may name (vault/policy.go; `recover` is Vault 1.20+). */
export type Capability =
  | 'create'
  | 'read'
  | 'update'
  | 'patch'
  | 'delete'
  | 'list'
  | 'sudo'
  | 'deny'
  | 'subscribe'
  | 'recover';

export const CAPABILITIES: readonly Capability[] = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
  'subscribe',
  'recover',
];

/** allowed_parameters / denied_parameters: lower-cased key → allowed values ([] = any value). */
export type ParameterConstraints = Record<string, unknown[]>;

/** One `path "…" { … }` block of a policy, after Vault's normalisation. */
export interface PathRule {
  /** The pattern as written, minus a leading `/`: "secret/data/*", "auth/approle/role/+/secret-id". */
  pattern: string;
  /**
   * Vault's internal key: the pattern with a plain trailing `*` removed for prefix rules
   * (`secret/foo*` → `secret/foo`); segment-wildcard patterns keep their `*`.
   */
  path: string;
  /** Deduplicated, in the order written; exactly ['deny'] when the block denies. */
  capabilities: Capability[];
  /** A plain `*` prefix rule (no `+`). */
  isPrefix: boolean;
  /** Has a `+` segment (possibly also ending in `*`). */
  hasSegmentWildcard: boolean;
  minWrappingTtlSeconds?: number;
  maxWrappingTtlSeconds?: number;
  allowedParameters?: ParameterConstraints;
  deniedParameters?: ParameterConstraints;
  requiredParameters?: string[];
  /**
   * The pattern uses identity templating (`{{identity.entity.id}}`). Such rules only apply to
   * tokens with an identity entity, which devvault does not model, so the ACL leaves them out
   * (Vault drops a templated path it cannot fill in).
   */
  templated: boolean;
  /** Name of the policy this rule came from. */
  policy: string;
}

export interface Policy {
  name: string;
  rules: PathRule[];
  /** The policy text as Vault stores it (after base64 decoding). */
  raw: string;
}

export interface AclDecision {
  allowed: boolean;
  /** The matched rule grants sudo (needed in addition on root-protected paths). */
  sudo: boolean;
  /** The winning rule's pattern as written ("secret/data/*"); null when nothing matched. */
  matchedPattern: string | null;
  /** The winning rule's merged capabilities, sorted; [] when nothing matched. */
  capabilities: Capability[];
  minWrappingTtlSeconds?: number;
  maxWrappingTtlSeconds?: number;
  /** Why a request was refused; absent when allowed. */
  reason?: AclDenyReason;
}

export type AclDenyReason =
  | 'no-matching-rule'
  | 'denied-by-rule'
  | 'capability-missing'
  | 'wrapping-required'
  | 'wrap-ttl-above-max'
  | 'wrap-ttl-below-min'
  | 'wrap-ttl-bounds-conflict'
  | 'required-parameter-missing'
  | 'parameter-denied'
  | 'parameter-not-allowed';

/** Request details some rules look at (wrapping TTL bounds, parameter constraints). */
export interface AclRequest {
  /** X-Vault-Wrap-TTL of the request in seconds; absent or 0 = not wrapped. */
  wrapTtlSeconds?: number;
  /** The request body, for allowed/denied/required_parameters. */
  data?: Record<string, unknown>;
}

export type MatchKind = 'exact' | 'prefix' | 'segment';

export interface AclExplanation {
  path: string;
  /** Null only for a root ACL (kind 'root'), which matches without a rule. */
  matchedPattern: string | null;
  kind: MatchKind | 'root';
  /** Merged capabilities of the winning pattern, sorted (['deny'] if a policy denies it). */
  capabilities: Capability[];
  /** Every policy block that contributed to the winning pattern, in policy order. */
  sources: { policy: string; capabilities: Capability[] }[];
}
