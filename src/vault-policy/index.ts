/**
 * Vault ACL policies as Vault implements them: parsing (vault/policy.go) and matching
 * (vault/acl.go). Used by devvault for every request and by `credential-broker explain`.
 */
export type {
  AclDecision,
  AclDenyReason,
  AclExplanation,
  AclRequest,
  Capability,
  MatchKind,
  Operation,
  ParameterConstraints,
  PathRule,
  Policy,
} from './types';
export { CAPABILITIES } from './types';
export { parsePolicy, decodeBase64Policy } from './parse';
export { Acl } from './acl';
export { parseDuration, parseDurationExact } from './duration';
export { PolicyParseError, DurationParseError, AclBuildError } from './errors';
export {
  DEFAULT_POLICY_NAME,
  DEFAULT_POLICY_TEXT,
  RESPONSE_WRAPPING_POLICY_NAME,
  RESPONSE_WRAPPING_POLICY_TEXT,
  IMMUTABLE_POLICY_NAMES,
  NON_ASSIGNABLE_POLICY_NAMES,
  defaultPolicy,
  responseWrappingPolicy,
  rootPolicy,
} from './builtin';
