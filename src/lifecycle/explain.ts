/**
 * `credential-broker explain`: would this role's tokens pass the broker's authorization
 * check for this action, and which policy and path rule decide it?
 *
 * The broker asks Vault `sys/capabilities-self` for the marker path and needs `update`
 * (DESIGN.md, step 4). Here we rebuild the same ACL from the role's policies (as read from
 * Vault) with src/vault-policy, so the answer names the deciding rule, every policy that
 * contributed to it (a `deny` in any of them wins), and the rules that matched but lost to
 * a more specific one (Vault never adds capabilities across different patterns).
 */
import { Acl } from '../vault-policy/acl';
import { defaultPolicy, DEFAULT_POLICY_NAME } from '../vault-policy/builtin';
import { parsePolicy } from '../vault-policy/parse';
import type { AclExplanation, Capability, Policy } from '../vault-policy/types';

export interface ExplainInput {
  role: string;
  action: string;
  /** e.g. "broker/actions/" (config vault.action_marker_prefix). */
  markerPrefix: string;
  /** The role's token_policies as Vault reports them. */
  tokenPolicies: readonly string[];
  tokenNoDefaultPolicy: boolean;
  /** Policy texts read from Vault by name; null when the policy does not exist there. */
  policyTexts: Readonly<Record<string, string | null>>;
}

export interface LosingRule {
  policy: string;
  pattern: string;
  capabilities: Capability[];
}

export interface ExplainResult {
  role: string;
  action: string;
  path: string;
  allowed: boolean;
  /** The policies a token of this role carries, in order (default first when attached). */
  policies: string[];
  /** Attached but not defined in Vault: Vault ignores them. */
  missingPolicies: string[];
  /** The deciding rule; null when no rule matches (implicit deny). */
  decision: AclExplanation | null;
  /** The policy whose `deny` overrode the others' grants on the deciding pattern, if any. */
  deniedBy: string[];
  /** Rules that match the path but lost to the deciding (more specific) rule. */
  outranked: LosingRule[];
}

export function explainAction(input: ExplainInput): ExplainResult {
  const path = `${input.markerPrefix}${input.action}`;
  const names = [...new Set([...(input.tokenNoDefaultPolicy ? [] : [DEFAULT_POLICY_NAME]), ...input.tokenPolicies])];
  const missing: string[] = [];
  const policies: Policy[] = [];
  for (const name of names) {
    const text = input.policyTexts[name];
    if (name === DEFAULT_POLICY_NAME && (text === undefined || text === null)) {
      policies.push(defaultPolicy());
    } else if (text === undefined || text === null) {
      missing.push(name);
    } else {
      policies.push(parsePolicy(name, text));
    }
  }
  const acl = new Acl(policies);
  // Same lookup as sys/capabilities-self, which is what the broker asks.
  const capabilities = acl.capabilities(path);
  const decision = acl.explain(path);
  const deniedBy = decision && decision.capabilities.includes('deny') ? decision.sources.filter((s) => s.capabilities.includes('deny')).map((s) => s.policy) : [];

  const outranked: LosingRule[] = [];
  for (const p of policies) {
    for (const rule of p.rules) {
      if (rule.templated) continue;
      if (decision && rule.pattern === decision.matchedPattern) continue;
      const single = new Acl([{ name: p.name, rules: [rule], raw: '' }]);
      if (single.explain(path) !== null) outranked.push({ policy: p.name, pattern: rule.pattern, capabilities: [...rule.capabilities] });
    }
  }
  return {
    role: input.role,
    action: input.action,
    path,
    allowed: capabilities.includes('update') || capabilities.includes('root'),
    policies: names,
    missingPolicies: missing,
    decision,
    deniedBy,
    outranked,
  };
}

const caps = (c: readonly string[]) => `[${c.join(', ')}]`;

export function renderExplanation(r: ExplainResult): string {
  const out: string[] = [];
  out.push(`${r.allowed ? 'ALLOWED' : 'DENIED'}: role ${r.role} ${r.allowed ? 'may' : 'may not'} run action ${r.action}`);
  out.push(`  checked:  "update" on ${r.path} (what the broker asks through sys/capabilities-self)`);
  out.push(`  policies: ${r.policies.join(', ') || '(none)'}`);
  if (r.missingPolicies.length > 0) out.push(`  missing:  ${r.missingPolicies.join(', ')} (attached to the role but not defined in Vault; ignored)`);
  const d = r.decision;
  if (!d) {
    out.push(`  decided by: no rule matches ${r.path} (implicit deny)`);
  } else {
    out.push(`  decided by: path "${d.matchedPattern}" (${d.kind} match) → ${caps(d.capabilities)}`);
    for (const s of d.sources) {
      const note = r.deniedBy.includes(s.policy) ? '   ← deny overrides every grant on this path' : '';
      out.push(`    from policy ${s.policy}: ${caps(s.capabilities)}${note}`);
    }
    if (!r.allowed && r.deniedBy.length === 0) out.push(`    "update" is not among these capabilities`);
  }
  for (const o of r.outranked) {
    out.push(`  also matches, but the rule above is more specific: path "${o.pattern}" in policy ${o.policy} → ${caps(o.capabilities)}`);
  }
  return out.join('\n') + '\n';
}
