/**
 * Acl: Vault's ACL (vault/acl.go NewACL, AllowOperation, CheckAllowedFromNonExactPaths,
 * Capabilities) in TypeScript. Reference: reference/vault-http-api.md §6.4 and §7.
 */
import { AclBuildError } from './errors';
import type {
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

/** The merged permissions of one pattern across every policy of the token (ACLPermissions). */
interface Permissions {
  kind: MatchKind;
  /** The pattern as written ("secret/foo*"), for explanations. */
  pattern: string;
  caps: Set<Capability>;
  minWrappingTtl: number;
  maxWrappingTtl: number;
  allowed?: ParameterConstraints;
  denied?: ParameterConstraints;
  required: string[];
  /** Every block that was merged into this pattern, in policy order (for explain). */
  sources: { policy: string; capabilities: Capability[] }[];
}

interface Candidate {
  firstWildcard: number;
  wildcards: number;
  isPrefix: boolean;
  wcPath: string;
  perms: Permissions;
}

const OPERATION_CAPABILITY: Record<Operation, Capability> = {
  read: 'read',
  list: 'list',
  create: 'create',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
};

/** Go compares strings and measures them in bytes; so do we, for the tie-break rules. */
function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function byteIndexOf(s: string, needle: string): number {
  const i = s.indexOf(needle);
  return i < 0 ? i : byteLength(s.slice(0, i));
}

/** CheckAllowedFromNonExactPaths' `less`: true when a has lower priority than b. */
function lowerPriority(a: Candidate, b: Candidate): boolean {
  // 1. the first + or * comes earlier
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard < b.firstWildcard;
  // 2. it ends in * and the other does not
  if (a.isPrefix !== b.isPrefix) return a.isPrefix;
  // 3. it has more + segments
  if (a.wildcards !== b.wildcards) return a.wildcards > b.wildcards;
  // 4. it is shorter
  const la = byteLength(a.wcPath);
  const lb = byteLength(b.wcPath);
  if (la !== lb) return la < lb;
  // 5. it is lexicographically smaller
  return Buffer.compare(Buffer.from(a.wcPath), Buffer.from(b.wcPath)) < 0;
}

function sortedCaps(caps: Iterable<Capability>): Capability[] {
  return [...caps].sort();
}

function copyParams(p: ParameterConstraints): ParameterConstraints {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, [...v]]));
}

/** Vault's merge of allowed/denied_parameters: an empty list (any value) wins, else append. */
function mergeParams(existing: ParameterConstraints | undefined, incoming: ParameterConstraints): ParameterConstraints {
  if (existing === undefined) return copyParams(incoming);
  for (const [key, value] of Object.entries(incoming)) {
    const current = existing[key];
    if (value.length === 0 || (current !== undefined && current.length === 0)) existing[key] = [];
    else existing[key] = [...value, ...(current ?? [])];
  }
  return existing;
}

// ---- parameter checks (acl.go valueIn*ParameterList, strutil.GlobbedStringsMatch) ------------

function globbedStringsMatch(item: string, val: string): boolean {
  if (item.length < 2) return val === item;
  const hasPrefix = item.startsWith('*');
  const hasSuffix = item.endsWith('*');
  if (hasPrefix && hasSuffix) return val.includes(item.slice(1, -1));
  if (hasPrefix) return val.endsWith(item.slice(1));
  if (hasSuffix) return val.startsWith(item.slice(0, -1));
  return val === item;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function valueInParameterList(v: unknown, list: unknown[]): boolean {
  return list.some((el) => {
    if (el === null || el === undefined || v === null || v === undefined) return el === v;
    if (typeof el === 'string') return typeof v === 'string' && globbedStringsMatch(el, v);
    return deepEqual(el, v);
  });
}

/** parseutil.ParseCommaStringSlice on a string: split on commas, trim each part. */
function commaSplit(v: string): string[] {
  return v === '' ? [] : v.split(',').map((s) => s.trim());
}

function valueInAllowedList(v: unknown, list: unknown[]): boolean {
  if (list.length === 0) return true;
  if (valueInParameterList(v, list)) return true;
  if (Array.isArray(v)) return v.every((x) => valueInParameterList(x, list));
  if (typeof v === 'string') return commaSplit(v).every((x) => valueInParameterList(x, list));
  return false;
}

function valueInDeniedList(v: unknown, list: unknown[]): boolean {
  if (list.length === 0) return true;
  if (valueInParameterList(v, list)) return true;
  if (Array.isArray(v)) return v.some((x) => valueInParameterList(x, list));
  if (typeof v === 'string') return commaSplit(v).some((x) => valueInParameterList(x, list));
  return false;
}

function checkParameters(perms: Permissions, data: Record<string, unknown>): AclDenyReason | null {
  for (const parameter of perms.required) {
    // Vault looks the lower-cased name up in the request data as it is.
    if (!Object.prototype.hasOwnProperty.call(data, parameter.toLowerCase())) return 'required-parameter-missing';
  }
  const entries = Object.entries(data);
  if (entries.length === 0) return null;

  const denied = perms.denied ?? {};
  if (Object.keys(denied).length > 0) {
    if (Object.prototype.hasOwnProperty.call(denied, '*')) return 'parameter-denied';
    for (const [parameter, value] of entries) {
      const list = denied[parameter.toLowerCase()];
      if (list !== undefined && valueInDeniedList(value, list)) return 'parameter-denied';
    }
  }

  const allowed = perms.allowed ?? {};
  const allowedKeys = Object.keys(allowed);
  if (allowedKeys.length === 0) return null;
  const allowedAll = Object.prototype.hasOwnProperty.call(allowed, '*');
  if (allowedKeys.length === 1 && allowedAll) return null;
  for (const [parameter, value] of entries) {
    const list = allowed[parameter.toLowerCase()];
    if (list === undefined && !allowedAll) return 'parameter-not-allowed';
    if (list !== undefined && !valueInAllowedList(value, list)) return 'parameter-not-allowed';
  }
  return null;
}

function stripLeadingSlashes(path: string): string {
  let p = path;
  while (p.startsWith('/')) p = p.slice(1);
  return p;
}

function ruleKind(rule: PathRule): MatchKind {
  if (rule.hasSegmentWildcard) return 'segment';
  return rule.isPrefix ? 'prefix' : 'exact';
}

export class Acl {
  /** The token holds the root policy: everything is allowed, capabilities are ['root']. */
  readonly isRoot: boolean;
  /** Names of the policies this ACL was built from, in order. */
  readonly policyNames: readonly string[];

  private readonly exactRules = new Map<string, Permissions>();
  private readonly prefixRules = new Map<string, Permissions>();
  private readonly segmentRules = new Map<string, Permissions>();

  /**
   * Merge the policies of one token (NewACL). Throws AclBuildError when `root` is combined with
   * other policies, as Vault does ("other policies present along with root").
   */
  constructor(policies: Policy[]) {
    let isRoot = false;
    for (const policy of policies) {
      if (policy.name !== 'root') continue;
      if (policies.length !== 1) throw new AclBuildError('other policies present along with root');
      isRoot = true;
    }
    this.isRoot = isRoot;
    this.policyNames = policies.map((p) => p.name);
    for (const policy of policies) {
      for (const rule of policy.rules) {
        // A templated path needs the token's identity entity to be filled in; without one
        // Vault drops it (parseACLPolicyWithTemplating `continue`s), and devvault has none.
        if (rule.templated) continue;
        this.insert(policy.name, rule);
      }
    }
  }

  /** An ACL for a root token. */
  static root(): Acl {
    return new Acl([{ name: 'root', rules: [], raw: '' }]);
  }

  private insert(policyName: string, rule: PathRule): void {
    const kind = ruleKind(rule);
    const tree = kind === 'segment' ? this.segmentRules : kind === 'prefix' ? this.prefixRules : this.exactRules;
    const existing = tree.get(rule.path);
    const source = { policy: policyName, capabilities: [...rule.capabilities] };
    if (existing === undefined) {
      tree.set(rule.path, {
        kind,
        pattern: kind === 'prefix' ? `${rule.path}*` : rule.path,
        caps: new Set(rule.capabilities),
        minWrappingTtl: rule.minWrappingTtlSeconds ?? 0,
        maxWrappingTtl: rule.maxWrappingTtlSeconds ?? 0,
        allowed: rule.allowedParameters ? copyParams(rule.allowedParameters) : undefined,
        denied: rule.deniedParameters ? copyParams(rule.deniedParameters) : undefined,
        required: [...(rule.requiredParameters ?? [])],
        sources: [source],
      });
      return;
    }
    existing.sources.push(source);
    // Deny already recorded for this pattern: nothing else counts.
    if (existing.caps.has('deny')) return;
    // This block denies: the pattern becomes deny only.
    if (rule.capabilities.includes('deny')) {
      existing.caps = new Set<Capability>(['deny']);
      existing.allowed = undefined;
      existing.denied = undefined;
      return;
    }
    for (const c of rule.capabilities) existing.caps.add(c);
    // Vault prefers the shorter lifetime: the lesser of two maxima and the lesser of two minima.
    const max = rule.maxWrappingTtlSeconds ?? 0;
    if (max > 0 && (existing.maxWrappingTtl === 0 || max < existing.maxWrappingTtl)) existing.maxWrappingTtl = max;
    const min = rule.minWrappingTtlSeconds ?? 0;
    if (min > 0 && (existing.minWrappingTtl === 0 || min < existing.minWrappingTtl)) existing.minWrappingTtl = min;
    if (rule.allowedParameters && Object.keys(rule.allowedParameters).length > 0) {
      existing.allowed = mergeParams(existing.allowed, rule.allowedParameters);
    }
    if (rule.deniedParameters && Object.keys(rule.deniedParameters).length > 0) {
      existing.denied = mergeParams(existing.denied, rule.deniedParameters);
    }
    for (const r of rule.requiredParameters ?? []) if (!existing.required.includes(r)) existing.required.push(r);
  }

  /** The winning rule for a request path: AllowOperation's lookup order. */
  private lookup(rawPath: string, op: Operation): Permissions | null {
    const path = stripLeadingSlashes(rawPath);
    const exact = this.exactRules.get(path);
    if (exact) return exact;
    if (op === 'list') {
      const trimmedExact = this.exactRules.get(path.endsWith('/') ? path.slice(0, -1) : path);
      if (trimmedExact) return trimmedExact;
      // Other rules with trailing wildcards could match the path without its slash: try that first.
      if (path.endsWith('/')) {
        const trimmed = this.nonExact(path.slice(0, -1));
        if (trimmed) return trimmed;
      }
    }
    return this.nonExact(path);
  }

  /** CheckAllowedFromNonExactPaths: the longest `*` prefix plus every matching `+` rule. */
  private nonExact(path: string): Permissions | null {
    const candidates: Candidate[] = [];
    let best: string | null = null;
    for (const prefix of this.prefixRules.keys()) {
      if (path.startsWith(prefix) && (best === null || prefix.length > best.length)) best = prefix;
    }
    if (best !== null) {
      const perms = this.prefixRules.get(best) as Permissions;
      if (this.segmentRules.size === 0) return perms;
      candidates.push({ firstWildcard: byteLength(best), wildcards: 0, isPrefix: true, wcPath: best, perms });
    }
    if (this.segmentRules.size === 0) return null;

    const pathParts = path.split('/');
    for (const [fullPattern, perms] of this.segmentRules) {
      const isPrefix = fullPattern.endsWith('*');
      const wcPath = isPrefix ? fullPattern.slice(0, -1) : fullPattern;
      const aclParts = wcPath.split('/');
      // A request path shorter than the pattern never matches (even "a/+/b*" vs "a/x").
      if (pathParts.length < aclParts.length) continue;
      // Without a trailing *, the segment counts must be equal.
      if (!isPrefix && aclParts.length !== pathParts.length) continue;
      let wildcards = 0;
      let matched = true;
      for (let i = 0; i < aclParts.length; i++) {
        const aclPart = aclParts[i];
        if (aclPart === '+') wildcards++;
        else if (aclPart === pathParts[i]) continue;
        else if (isPrefix && i === aclParts.length - 1 && pathParts[i].startsWith(aclPart)) continue;
        else {
          matched = false;
          break;
        }
      }
      if (!matched) continue;
      candidates.push({ firstWildcard: byteIndexOf(fullPattern, '+'), wildcards, isPrefix, wcPath, perms });
    }
    if (candidates.length === 0) return null;
    let winner = candidates[0];
    for (const c of candidates.slice(1)) if (lowerPriority(winner, c)) winner = c;
    return winner.perms;
  }

  /**
   * Would Vault's ACL let this token perform `op` on `path`? `request` carries what some rules
   * look at: the requested wrap TTL (min/max_wrapping_ttl) and the body (parameter
   * constraints). Without it the request counts as unwrapped with no parameters, so a rule
   * with min_wrapping_ttl or max_wrapping_ttl refuses it, exactly as Vault does.
   * Root-protected paths need `sudo` too; the caller checks `decision.sudo`.
   */
  allowOperation(path: string, op: Operation, request: AclRequest = {}): AclDecision {
    if (this.isRoot) return { allowed: true, sudo: true, matchedPattern: null, capabilities: [] };
    const perms = this.lookup(path, op);
    if (perms === null) {
      return { allowed: false, sudo: false, matchedPattern: null, capabilities: [], reason: 'no-matching-rule' };
    }
    const decision: AclDecision = {
      allowed: false,
      sudo: perms.caps.has('sudo'),
      matchedPattern: perms.pattern,
      capabilities: sortedCaps(perms.caps),
    };
    if (perms.minWrappingTtl > 0) decision.minWrappingTtlSeconds = perms.minWrappingTtl;
    if (perms.maxWrappingTtl > 0) decision.maxWrappingTtlSeconds = perms.maxWrappingTtl;

    const deny = (reason: AclDenyReason): AclDecision => ({ ...decision, reason });
    if (perms.caps.has('deny')) return deny('denied-by-rule');
    if (!perms.caps.has(OPERATION_CAPABILITY[op])) return deny('capability-missing');

    const wrapTtl = request.wrapTtlSeconds ?? 0;
    const wrapped = wrapTtl > 0;
    if (perms.maxWrappingTtl > 0) {
      if (!wrapped) return deny('wrapping-required');
      if (wrapTtl > perms.maxWrappingTtl) return deny('wrap-ttl-above-max');
    }
    if (perms.minWrappingTtl > 0) {
      if (!wrapped) return deny('wrapping-required');
      if (wrapTtl < perms.minWrappingTtl) return deny('wrap-ttl-below-min');
    }
    // Possible after merging even though each block is checked when parsed.
    if (perms.minWrappingTtl > 0 && perms.maxWrappingTtl > 0 && perms.maxWrappingTtl < perms.minWrappingTtl) {
      return deny('wrap-ttl-bounds-conflict');
    }

    // Parameter constraints apply only to operations that carry parameters.
    if (op === 'read' || op === 'update' || op === 'create' || op === 'patch') {
      const problem = checkParameters(perms, request.data ?? {});
      if (problem) return deny(problem);
    }
    return { ...decision, allowed: true };
  }

  /**
   * sys/capabilities semantics: the sorted capabilities of the winning rule; ['deny'] when
   * nothing matches, the rule denies or grants nothing; ['root'] for a root token. Vault looks
   * the path up as a LIST request, so "secret/foo/" also finds the exact rule "secret/foo".
   */
  capabilities(path: string): string[] {
    if (this.isRoot) return ['root'];
    const perms = this.lookup(path, 'list');
    if (perms === null || perms.caps.has('deny') || perms.caps.size === 0) return ['deny'];
    return sortedCaps(perms.caps);
  }

  /**
   * Which pattern decides `path`, and which policies' blocks were merged into it. Looked up the
   * way `capabilities()` does (as the broker checks through sys/capabilities-self) unless an
   * operation is given. Null when no rule matches (implicit deny).
   */
  explain(path: string, op: Operation = 'list'): AclExplanation | null {
    if (this.isRoot) {
      return { path, matchedPattern: null, kind: 'root', capabilities: [], sources: [{ policy: 'root', capabilities: [] }] };
    }
    const perms = this.lookup(path, op);
    if (perms === null) return null;
    return {
      path,
      matchedPattern: perms.pattern,
      kind: perms.kind,
      capabilities: perms.caps.has('deny') ? ['deny'] : sortedCaps(perms.caps),
      sources: perms.sources.map((s) => ({ policy: s.policy, capabilities: [...s.capabilities] })),
    };
  }
}
