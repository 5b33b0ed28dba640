/**
 * Routing, tokens in headers and the error shapes every client meets first
 * (reference §0.4–§0.6, checklist §14 items 1, 2 and 6).
 */
import { startTestVault, type TestVault } from '../support/vault';
import { INVALID_TOKEN, PERMISSION_DENIED, VaultClient, unique } from '../support/vault-http';

let vault: TestVault;
let root: VaultClient;
let limitedToken: string;

beforeAll(async () => {
  vault = await startTestVault();
  root = new VaultClient(vault.addr, vault.rootToken);
  const policy = unique('routing');
  await root.writePolicy(policy, 'path "secret/data/routing/*" { capabilities = ["read", "list"] }');
  limitedToken = (await root.createToken({ policies: [policy], ttl: '1h' })).client_token;
});

afterAll(() => vault.close());

describe('routing', () => {
  test('When the root token asks for a path under no mount, then it gets 404 "no handler for route"', async () => {
    const r = await root.get('nomount-xyz/some/path');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ errors: ['no handler for route "nomount-xyz/some/path". route entry not found.'] });
  });

  test('When a non-root token asks for a path under no mount, then the ACL answers first with 403', async () => {
    const r = await root.get('nomount-xyz/some/path', { token: limitedToken });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ errors: [PERMISSION_DENIED] });
  });

  test('When no token is sent, then the reply is 403 "missing client token"', async () => {
    const r = await root.get('secret/data/routing/a', { token: '' });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ errors: ['missing client token'] });
  });

  test('When an unknown token is sent, then the reply is 403 with the two-error text', async () => {
    const r = await root.get('secret/data/routing/a', { token: 'hvs.doesnotexist0000000000' });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ errors: [INVALID_TOKEN] });
  });

  test('When the policy does not allow the operation, then the reply is 403 with the one-error text', async () => {
    const r = await root.post('secret/data/routing/a', { data: { x: '1' } }, { token: limitedToken });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ errors: [PERMISSION_DENIED] });
  });

  test('When the token comes as Authorization: Bearer, then it is used', async () => {
    const r = await root.get('auth/token/lookup-self', { token: '', headers: { Authorization: `Bearer ${vault.rootToken}` } });
    expect(r.status).toBe(200);
    expect(r.json.data.policies).toEqual(['root']);
  });

  test('When both X-Vault-Token and a Bearer token are sent, then X-Vault-Token wins', async () => {
    const r = await root.get('auth/token/lookup-self', { headers: { Authorization: 'Bearer hvs.notarealtoken0000000000' } });
    expect(r.status).toBe(200);
    expect(r.json.data.policies).toEqual(['root']);
  });

  test('When LIST and GET ?list=true ask for the same folder, then both give the same keys', async () => {
    await root.post('secret/data/routing/list/a', { data: { v: '1' } });
    await root.post('secret/data/routing/list/b/c', { data: { v: '2' } });
    const viaList = await root.call('LIST', 'secret/metadata/routing/list');
    const viaGet = await root.get('secret/metadata/routing/list?list=true');
    expect(viaList.status).toBe(200);
    expect(viaList.json.data.keys).toEqual(['a', 'b/']);
    expect(viaGet.json.data.keys).toEqual(viaList.json.data.keys);
  });

  test('When a LIST finds nothing, then the reply is 404 with an empty errors list', async () => {
    const r = await root.call('LIST', `secret/metadata/${unique('empty')}`);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ errors: [] });
  });

  test('When PUT and POST write the same thing, then both are accepted alike', async () => {
    const put = await root.put('secret/data/routing/put', { data: { v: 'put' } });
    const post = await root.post('secret/data/routing/put', { data: { v: 'post' } });
    expect(put.status).toBe(200);
    expect(post.status).toBe(200);
    expect(post.json.data.version).toBe(put.json.data.version + 1);
  });

  test('When a read finds nothing, then the reply is 404 with an empty errors list', async () => {
    const r = await root.get(`secret/data/${unique('missing')}`);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ errors: [] });
  });

  test('When a write has no response, then the reply is 204 with no body', async () => {
    const r = await root.put(`sys/policies/acl/${unique('nobody')}`, { policy: 'path "x" { capabilities = ["read"] }' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
  });

  test('When a request succeeds, then the envelope has Vault\'s fields in Vault\'s order', async () => {
    const r = await root.get('auth/token/lookup-self');
    expect(Object.keys(r.json)).toEqual(
      expect.arrayContaining(['request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth']),
    );
    const order = Object.keys(r.json).filter((k) => k !== 'mount_type');
    expect(order).toEqual(['request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth']);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  });

  test('When any response is sent, then it carries Cache-Control: no-store', async () => {
    for (const r of [await root.get('sys/health'), await root.get('auth/token/lookup-self'), await root.get('nomount-xyz/a')]) {
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
  });

  test('When the method is not one Vault knows, then the reply is 405', async () => {
    const r = await root.call('OPTIONS', 'secret/data/routing/a');
    expect([405, 204]).toContain(r.status);
    if (!vault.real) expect(r.json).toEqual({ errors: [] });
  });

  test('When a path segment ends in a dot, then it is an unsupported path (404)', async () => {
    const r = await root.get('sys/policies/acl/bad.');
    expect(r.status).toBe(404);
  });

  test('When a known sys path is called with an operation it does not take, then the reply is 405', async () => {
    const r = await root.delete('sys/capabilities-self');
    expect(r.status).toBe(405);
    expect(r.json.errors[0]).toContain('unsupported operation');
  });
});
