import path from 'node:path';
import { parseConfig } from '../../src/config';
import { planBootstrap, type ObservedState } from '../../src/lifecycle/bootstrap-plan';
import { buildDesiredState, readPolicyFiles } from '../../src/lifecycle/desired-state';
import { lifecycleConfigYaml } from './fixtures/lifecycle-config';

const POLICIES = path.resolve(__dirname, '../../vault-policies');
const config = parseConfig(lifecycleConfigYaml({ vaultAddr: 'http://127.0.0.1:8200' }));
const desired = buildDesiredState(config, readPolicyFiles(POLICIES));

const empty: ObservedState = { authMounts: { 'token/': { type: 'token' } }, secretMounts: {}, policies: {}, roles: {} };

describe('bootstrap plan', () => {
  it('When Vault is empty, then it enables AppRole and KV v2 and creates every policy and role', () => {
    const plan = planBootstrap(desired, empty);
    expect(plan.conflicts).toEqual([]);
    const text = plan.lines.map((l) => `${l.symbol} ${l.text}`);
    expect(text).toEqual(
      expect.arrayContaining([
        '+ auth approle/ (approle)',
        '+ mount secret/ (kv version 2)',
        '+ policy broker (vault-policies/broker.hcl)',
        '+ policy endpoint-demo (vault-policies/endpoint-demo.hcl)',
        '+ policy endpoint-ops (endpoint_groups.ops)',
        '+ policy broker-enrollment (endpoint_groups)',
      ]),
    );
    expect(plan.steps.filter((s) => s.kind === 'write-role').map((s) => (s as { name: string }).name)).toEqual(['credential-broker', 'demo', 'ops']);
  });

  it('generates group policies with marker paths only', () => {
    const ops = desired.policies.find((p) => p.name === 'endpoint-ops');
    expect(ops?.text).toContain('path "broker/actions/echo"');
    expect(ops?.text).toContain('path "broker/actions/restart"');
    expect(ops?.text).not.toMatch(/secret\//);
    const role = desired.roles.find((r) => r.name === 'ops');
    expect(role?.spec).toMatchObject({ token_type: 'batch', token_ttl: 120, token_max_ttl: 120, secret_id_ttl: 86400, token_policies: ['endpoint-ops'] });
  });

  it('When a hand-written endpoint-<group>.hcl disagrees with the config, then bootstrap refuses before touching Vault', () => {
    const files = readPolicyFiles(POLICIES).map((f) =>
      f.name === 'endpoint-demo' ? { ...f, text: `${f.text}\npath "broker/actions/restart" { capabilities = ["update"] }\n` } : f,
    );
    expect(() => buildDesiredState(config, files)).toThrow(/endpoint-demo\.hcl also grants restart, but endpoint_groups\.demo\.actions lists \[echo\]/);
  });

  it('When Vault already matches, then every line is "=" and there are no steps', () => {
    const observed: ObservedState = {
      authMounts: { 'approle/': { type: 'approle' } },
      secretMounts: { 'secret/': { type: 'kv', version: '2' } },
      policies: Object.fromEntries(desired.policies.map((p) => [p.name, p.text])),
      roles: Object.fromEntries(desired.roles.map((r) => [r.name, { ...r.spec, token_policies: [...r.spec.token_policies].reverse(), policies: r.spec.token_policies }])),
    };
    const plan = planBootstrap(desired, observed);
    expect(plan.steps).toEqual([]);
    expect(plan.lines.every((l) => l.symbol === '=')).toBe(true);
  });

  it('When a role field drifted, then it shows old → new', () => {
    const demo = desired.roles.find((r) => r.name === 'demo');
    const observed: ObservedState = { ...empty, roles: { demo: { ...demo?.spec, token_ttl: 300 } } };
    const line = planBootstrap(desired, observed).lines.find((l) => l.text.startsWith('role demo'));
    expect(line).toEqual({ symbol: '~', text: 'role demo: token_ttl 300 → 60' });
  });

  it('When secret/ is KV version 1, then it is a conflict and nothing is planned for it', () => {
    const plan = planBootstrap(desired, { ...empty, secretMounts: { 'secret/': { type: 'kv', version: '1' } } });
    expect(plan.conflicts).toEqual([expect.stringContaining('mount secret/ is kv version 1')]);
    expect(plan.steps.some((s) => s.kind === 'enable-kv')).toBe(false);
  });
});
