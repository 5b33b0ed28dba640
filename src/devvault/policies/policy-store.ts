/**
 * Stored ACL policies (vault/policy_store.go): `default` exists from the start, `root`
 * is implicit and immutable, `response-wrapping` is internal. Policies are parsed with
 * the shared vault-policy module, so a token's ACL is built exactly as Vault builds it.
 */
import {
  Acl,
  DEFAULT_POLICY_NAME,
  IMMUTABLE_POLICY_NAMES,
  NON_ASSIGNABLE_POLICY_NAMES,
  PolicyParseError,
  RESPONSE_WRAPPING_POLICY_NAME,
  defaultPolicy,
  parsePolicy,
  responseWrappingPolicy,
  type Policy,
} from '../../vault-policy';
import { invalidRequest } from '../http/errors';

export class PolicyStore {
  private readonly policies = new Map<string, Policy>();
  private readonly wrapping = responseWrappingPolicy();
  /** Built ACLs by policy list; every write or delete empties it, so changes apply at once. */
  private readonly aclCache = new Map<string, Acl>();

  constructor() {
    this.policies.set(DEFAULT_POLICY_NAME, defaultPolicy());
  }

  static sanitizeName(name: string): string {
    return name.trim().toLowerCase();
  }

  /** The policy text as stored; `root` reads as an empty policy, as in Vault. */
  get(name: string): Policy | undefined {
    const n = PolicyStore.sanitizeName(name);
    if (n === 'root') return { name: 'root', rules: [], raw: '' };
    return this.policies.get(n);
  }

  has(name: string): boolean {
    const n = PolicyStore.sanitizeName(name);
    return n === 'root' || this.policies.has(n);
  }

  /**
   * Parse and store (handlePoliciesSet + SetPolicy). Throws a 400 LogicalError with
   * Vault's text for a bad policy or a protected name.
   */
  set(name: string, text: string): void {
    const n = PolicyStore.sanitizeName(name);
    let policy: Policy;
    try {
      policy = parsePolicy(n, text);
    } catch (err) {
      if (err instanceof PolicyParseError) throw invalidRequest(err.message);
      throw err;
    }
    if (IMMUTABLE_POLICY_NAMES.includes(n)) throw invalidRequest(`cannot update ${JSON.stringify(n)} policy`);
    this.policies.set(n, policy);
    this.aclCache.clear();
  }

  delete(name: string): void {
    const n = PolicyStore.sanitizeName(name);
    if (IMMUTABLE_POLICY_NAMES.includes(n)) throw invalidRequest(`cannot delete ${JSON.stringify(n)} policy`);
    if (n === DEFAULT_POLICY_NAME) throw invalidRequest('cannot delete default policy');
    this.policies.delete(n);
    this.aclCache.clear();
  }

  /** Stored names, sorted, without internal policies; callers append "root". */
  list(): string[] {
    return [...this.policies.keys()].filter((n) => !NON_ASSIGNABLE_POLICY_NAMES.includes(n)).sort();
  }

  /** The ACL of a token with these policies; names that do not exist are skipped. */
  acl(names: string[]): Acl {
    const key = names.join('\n');
    let acl = this.aclCache.get(key);
    if (!acl) {
      acl = this.buildAcl(names);
      // Bounded: token policy lists repeat, but a runaway client must not grow this forever.
      if (this.aclCache.size >= 1000) this.aclCache.clear();
      this.aclCache.set(key, acl);
    }
    return acl;
  }

  private buildAcl(names: string[]): Acl {
    if (names.includes('root')) return Acl.root();
    const found: Policy[] = [];
    for (const name of names) {
      if (name === RESPONSE_WRAPPING_POLICY_NAME) {
        found.push(this.wrapping);
        continue;
      }
      const p = this.policies.get(name);
      if (p) found.push(p);
    }
    return new Acl(found);
  }
}
