import { explainAction, renderExplanation } from '../../src/lifecycle/explain';

const base = { role: 'demo', markerPrefix: 'broker/actions/', tokenNoDefaultPolicy: false };

describe('explainAction', () => {
  it('When the group policy grants update on the marker path, then it is allowed and names the rule', () => {
    const r = explainAction({
      ...base,
      action: 'echo',
      tokenPolicies: ['endpoint-demo'],
      policyTexts: { 'endpoint-demo': 'path "broker/actions/echo" { capabilities = ["update"] }' },
    });
    expect(r.allowed).toBe(true);
    expect(r.policies).toEqual(['default', 'endpoint-demo']);
    expect(r.decision).toMatchObject({ matchedPattern: 'broker/actions/echo', kind: 'exact', sources: [{ policy: 'endpoint-demo', capabilities: ['update'] }] });
  });

  it('When no rule matches, then it is an implicit deny', () => {
    const r = explainAction({ ...base, action: 'wipe', tokenPolicies: ['p'], policyTexts: { p: 'path "broker/actions/echo" { capabilities = ["update"] }' } });
    expect(r.allowed).toBe(false);
    expect(r.decision).toBeNull();
    expect(renderExplanation(r)).toContain('no rule matches broker/actions/wipe');
  });

  it('When another policy denies the same pattern, then deny overrides and is named', () => {
    const r = explainAction({
      ...base,
      action: 'echo',
      tokenPolicies: ['grant', 'lockdown'],
      policyTexts: {
        grant: 'path "broker/actions/*" { capabilities = ["update"] }',
        lockdown: 'path "broker/actions/*" { capabilities = ["deny"] }',
      },
    });
    expect(r.allowed).toBe(false);
    expect(r.deniedBy).toEqual(['lockdown']);
    expect(renderExplanation(r)).toMatch(/from policy lockdown: \[deny\]\s+← deny overrides/);
  });

  it('When a more specific rule wins, then the broader grant is listed as outranked', () => {
    const r = explainAction({
      ...base,
      action: 'echo',
      tokenPolicies: ['a', 'b'],
      policyTexts: { a: 'path "broker/actions/*" { capabilities = ["update"] }', b: 'path "broker/actions/echo" { capabilities = ["read"] }' },
    });
    expect(r.allowed).toBe(false);
    expect(r.decision?.matchedPattern).toBe('broker/actions/echo');
    expect(r.outranked).toEqual([{ policy: 'a', pattern: 'broker/actions/*', capabilities: ['update'] }]);
  });

  it('reports attached policies that Vault does not have', () => {
    const r = explainAction({ ...base, action: 'echo', tokenPolicies: ['ghost'], policyTexts: { ghost: null } });
    expect(r.missingPolicies).toEqual(['ghost']);
    expect(r.allowed).toBe(false);
  });
});
