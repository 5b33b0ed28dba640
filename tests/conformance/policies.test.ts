/**
 * sys/policies/acl and the legacy sys/policy (reference §6; checklist item 5 for
 * create vs update and item 7 for sys/policy's top-level copy).
 */
import { startTestVault, type TestVault } from '../support/vault';
import { PERMISSION_DENIED, VaultClient, unique } from '../support/vault-http';

let vault: TestVault;
let root: VaultClient;

beforeAll(async () => {
  vault = await startTestVault();
  root = new VaultClient(vault.addr, vault.rootToken);
});

afterAll(() => vault.close());

const HCL = 'path "secret/data/pol/*" {\n  capabilities = ["read", "list"]\n}\n';

describe('sys/policies/acl', () => {
  test('When a policy is written, then it reads back with name and policy and is listed with root', async () => {
    const name = unique('pol');
    expect((await root.put(`sys/policies/acl/${name}`, { policy: HCL })).status).toBe(204);
    const r = await root.get(`sys/policies/acl/${name}`);
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ name, policy: HCL });
    // sys/policies/acl is not on the top-level injection list.
    expect(r.json.name).toBeUndefined();
    const list = await root.call('LIST', 'sys/policies/acl');
    expect(list.status).toBe(200);
    expect(list.json.data.keys).toEqual(expect.arrayContaining([name, 'default', 'root']));
  });

  test('When a policy name has capitals, then it is stored lower-cased', async () => {
    const name = unique('MixedCase');
    await root.put(`sys/policies/acl/${name}`, { policy: HCL });
    const r = await root.get(`sys/policies/acl/${name.toLowerCase()}`);
    expect(r.status).toBe(200);
    expect(r.json.data.name).toBe(name.toLowerCase());
  });

  test('When a policy is deleted, then reading it gives 404 with an empty errors list', async () => {
    const name = unique('del');
    await root.put(`sys/policies/acl/${name}`, { policy: HCL });
    expect((await root.delete(`sys/policies/acl/${name}`)).status).toBe(204);
    const r = await root.get(`sys/policies/acl/${name}`);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ errors: [] });
  });

  test('When the policy text is base64, then it is decoded', async () => {
    const name = unique('b64');
    await root.put(`sys/policies/acl/${name}`, { policy: Buffer.from(HCL).toString('base64') });
    expect((await root.get(`sys/policies/acl/${name}`)).json.data.policy).toBe(HCL);
  });

  test('When the HCL does not parse, then the reply is 400 "failed to parse policy"', async () => {
    const r = await root.put(`sys/policies/acl/${unique('bad')}`, { policy: 'path "x" { capabilities = ["read" ' });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toMatch(/^failed to parse policy/);
  });

  test('When a capability is unknown, then the reply is 400 naming it', async () => {
    const r = await root.put(`sys/policies/acl/${unique('cap')}`, { policy: 'path "secret/x" { capabilities = ["fly"] }' });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain('path "secret/x": invalid capability "fly"');
  });

  test('When a path uses +*, then the reply is 400 "invalid use of wildcards"', async () => {
    const r = await root.put(`sys/policies/acl/${unique('wild')}`, { policy: 'path "secret/+*" { capabilities = ["read"] }' });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain("invalid use of wildcards ('+*' is forbidden)");
  });

  test('When the policy text is missing, then the reply is 400', async () => {
    const r = await root.put(`sys/policies/acl/${unique('empty')}`, {});
    expect(r.status).toBe(400);
  });

  test('When root is written, then the reply is 400', async () => {
    const r = await root.put('sys/policies/acl/root', { policy: HCL });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain('root');
  });

  test('When default is deleted, then the reply is 400', async () => {
    const r = await root.delete('sys/policies/acl/default');
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain('default');
  });

  test('When default is read, then its text grants lookup-self', async () => {
    const r = await root.get('sys/policies/acl/default');
    expect(r.status).toBe(200);
    expect(r.json.data.policy).toContain('auth/token/lookup-self');
  });

  test('When a token may only update policies, then it can change an existing one but not create a new one', async () => {
    const existing = unique('exists');
    await root.put(`sys/policies/acl/${existing}`, { policy: HCL });
    const admin = unique('updater');
    await root.writePolicy(admin, 'path "sys/policies/acl/*" { capabilities = ["update"] }');
    const token = (await root.createToken({ policies: [admin] })).client_token;
    const update = await root.put(`sys/policies/acl/${existing}`, { policy: HCL }, { token });
    expect(update.status).toBe(204);
    const create = await root.put(`sys/policies/acl/${unique('new')}`, { policy: HCL }, { token });
    expect(create.status).toBe(403);
    expect(create.json).toEqual({ errors: [PERMISSION_DENIED] });
  });

  test('When a token may only create policies, then it can add a new one but not change an existing one', async () => {
    const existing = unique('exists');
    await root.put(`sys/policies/acl/${existing}`, { policy: HCL });
    const admin = unique('creator');
    await root.writePolicy(admin, 'path "sys/policies/acl/*" { capabilities = ["create"] }');
    const token = (await root.createToken({ policies: [admin] })).client_token;
    expect((await root.put(`sys/policies/acl/${unique('new')}`, { policy: HCL }, { token })).status).toBe(204);
    expect((await root.put(`sys/policies/acl/${existing}`, { policy: HCL }, { token })).status).toBe(403);
  });

  test('When a policy changes, then tokens holding it are judged by the new text at once', async () => {
    const name = unique('live');
    await root.writePolicy(name, 'path "secret/data/live/*" { capabilities = ["read"] }');
    await root.post('secret/data/live/a', { data: { v: '1' } });
    const token = (await root.createToken({ policies: [name] })).client_token;
    expect((await root.get('secret/data/live/a', { token })).status).toBe(200);
    await root.writePolicy(name, 'path "secret/data/live/*" { capabilities = ["deny"] }');
    expect((await root.get('secret/data/live/a', { token })).status).toBe(403);
  });
});

describe('legacy sys/policy', () => {
  test('When sys/policy is read, then keys and policies are listed in data and at the top level', async () => {
    const r = await root.get('sys/policy');
    expect(r.status).toBe(200);
    expect(r.json.data.keys).toEqual(expect.arrayContaining(['default', 'root']));
    expect(r.json.data.policies).toEqual(r.json.data.keys);
    expect(r.json.keys).toEqual(r.json.data.keys);
    expect(r.json.policies).toEqual(r.json.data.keys);
  });

  test('When a policy is written with rules and read through sys/policy, then it comes back as rules at both levels', async () => {
    const name = unique('legacy');
    const w = await root.put(`sys/policy/${name}`, { rules: HCL });
    expect([200, 204]).toContain(w.status);
    const r = await root.get(`sys/policy/${name}`);
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ name, rules: HCL });
    expect(r.json.name).toBe(name);
    expect(r.json.rules).toBe(HCL);
  });

  test('When a policy is written through sys/policy with policy, then sys/policies/acl reads it', async () => {
    const name = unique('legacy2');
    expect((await root.put(`sys/policy/${name}`, { policy: HCL })).status).toBe(204);
    expect((await root.get(`sys/policies/acl/${name}`)).json.data.policy).toBe(HCL);
    expect((await root.delete(`sys/policy/${name}`)).status).toBe(204);
    expect((await root.get(`sys/policies/acl/${name}`)).status).toBe(404);
  });
});
