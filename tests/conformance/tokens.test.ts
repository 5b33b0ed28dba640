/**
 * auth/token/* (reference §4): creation rules and messages, lookups, renewal,
 * revocation, num_uses, service vs batch.
 */
import { startTestVault, type TestVault } from '../support/vault';
import { INVALID_TOKEN, VaultClient, unique } from '../support/vault-http';

let vault: TestVault;
let root: VaultClient;
let appPolicy: string;
let otherPolicy: string;

beforeAll(async () => {
  vault = await startTestVault();
  root = new VaultClient(vault.addr, vault.rootToken);
  appPolicy = unique('tok-app');
  otherPolicy = unique('tok-other');
  await root.writePolicy(
    appPolicy,
    `path "auth/token/create" { capabilities = ["update"] }
     path "auth/token/create-orphan" { capabilities = ["update"] }
     path "secret/data/tok/*" { capabilities = ["read"] }`,
  );
  await root.writePolicy(otherPolicy, 'path "secret/data/other" { capabilities = ["read"] }');
});

afterAll(() => vault.close());

describe('token create', () => {
  test('When root creates a service token, then the auth block has Vault\'s fields and order', async () => {
    const r = await root.post('auth/token/create', { policies: [appPolicy], ttl: '1h', meta: { team: 'x' } });
    expect(r.status).toBe(200);
    const auth = r.json.auth;
    expect(auth.client_token).toMatch(/^hvs\./);
    expect(auth.accessor).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(auth.policies).toEqual([appPolicy, 'default'].sort());
    expect(auth.token_policies).toEqual(auth.policies);
    expect(auth.metadata).toEqual({ team: 'x' });
    expect(auth.lease_duration).toBe(3600);
    expect(auth.renewable).toBe(true);
    expect(auth.token_type).toBe('service');
    expect(auth.orphan).toBe(false);
    expect(auth.num_uses).toBe(0);
    const order = Object.keys(auth).filter((k) => !['identity_policies'].includes(k));
    expect(order).toEqual([
      'client_token',
      'accessor',
      'policies',
      'token_policies',
      'metadata',
      'lease_duration',
      'renewable',
      'entity_id',
      'token_type',
      'orphan',
      'mfa_requirement',
      'num_uses',
    ]);
    expect(r.json.data).toBeNull();
  });

  test('When a batch token is created, then it starts with hvb., has no accessor and is not renewable', async () => {
    const auth = await root.createToken({ policies: [appPolicy], type: 'batch', ttl: '10m' });
    expect(auth.client_token).toMatch(/^hvb\./);
    expect(auth.accessor).toBe('');
    expect(auth.renewable).toBe(false);
    expect(auth.token_type).toBe('batch');
    const self = await root.get('auth/token/lookup-self', { token: auth.client_token });
    expect(self.status).toBe(200);
    expect(self.json.data.type).toBe('batch');
  });

  test('When a batch token asks for num_uses, then the reply is 400 naming num_uses', async () => {
    const r = await root.post('auth/token/create', { type: 'batch', num_uses: 3 });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['batch tokens cannot have "num_uses" set']);
  });

  test('When the token type is unknown, then the reply is 400 "invalid \'token_type\' value"', async () => {
    const r = await root.post('auth/token/create', { type: 'gold' });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(["invalid 'token_type' value"]);
  });

  test('When num_uses is negative, then the reply is 400 "number of uses cannot be negative"', async () => {
    const r = await root.post('auth/token/create', { num_uses: -1 });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['number of uses cannot be negative']);
  });

  test('When ttl is negative, then the reply is 400 "ttl must be positive"', async () => {
    const r = await root.post('auth/token/create', { ttl: '-1h' });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['ttl must be positive']);
  });

  test('When a non-sudo token asks for policies it does not have, then the reply is 400 "child policies must be subset of parent"', async () => {
    const parent = await root.createToken({ policies: [appPolicy] });
    const r = await root.post('auth/token/create', { policies: [otherPolicy] }, { token: parent.client_token });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['child policies must be subset of parent']);
  });

  test('When a non-sudo token asks for a subset, then the child gets it plus default', async () => {
    const parent = await root.createToken({ policies: [appPolicy] });
    const child = await root.withToken(parent.client_token).createToken({ policies: [appPolicy] });
    expect(child.policies).toEqual([appPolicy, 'default'].sort());
    expect(child.orphan).toBe(false);
  });

  test('When a non-root token asks for the root policy, then the reply is 400', async () => {
    const parent = await root.createToken({ policies: [appPolicy] });
    const r = await root.post('auth/token/create', { policies: ['root'] }, { token: parent.client_token });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toMatch(/child policies must be subset of parent|root tokens may not be created without parent token being root/);
  });

  test('When a non-sudo token sets no_parent, then the reply is 400 "root or sudo privileges required to create orphan token"', async () => {
    const parent = await root.createToken({ policies: [appPolicy] });
    const r = await root.post('auth/token/create', { no_parent: true }, { token: parent.client_token });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['root or sudo privileges required to create orphan token']);
  });

  test('When a non-sudo token uses create-orphan it is allowed, then the child is an orphan', async () => {
    const parent = await root.createToken({ policies: [appPolicy] });
    const child = await root.withToken(parent.client_token).createToken({}, 'auth/token/create-orphan');
    expect(child.orphan).toBe(true);
  });

  test('When a batch token tries to create a token, then the reply is 400 "batch tokens cannot create more tokens"', async () => {
    const batch = await root.createToken({ policies: [appPolicy], type: 'batch' });
    const r = await root.post('auth/token/create', {}, { token: batch.client_token });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['batch tokens cannot create more tokens']);
  });

  test('When a use-limited token tries to create a token, then the reply is 400 "restricted use token cannot generate child tokens"', async () => {
    const limited = await root.createToken({ policies: [appPolicy], num_uses: 5 });
    const r = await root.post('auth/token/create', {}, { token: limited.client_token });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['restricted use token cannot generate child tokens']);
  });

  test('When a non-sudo token asks for a period, then the reply is 400', async () => {
    const parent = await root.createToken({ policies: [appPolicy] });
    const r = await root.post('auth/token/create', { period: '1h' }, { token: parent.client_token });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['root or sudo privileges required to create periodic token']);
  });

  test('When an expiring token creates a child with the root policy and no TTL, then the reply is 400', async () => {
    const expiringRoot = await root.createToken({ policies: ['root'], ttl: '1h' });
    const r = await root.post('auth/token/create', { policies: ['root'] }, { token: expiringRoot.client_token });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['expiring root tokens cannot create non-expiring root tokens']);
  });
});

describe('token lookup', () => {
  test('When the root token looks itself up, then policies are [root] and it never expires', async () => {
    const r = await root.get('auth/token/lookup-self');
    expect(r.status).toBe(200);
    const d = r.json.data;
    expect(d.policies).toEqual(['root']);
    expect(d.ttl).toBe(0);
    expect(d.expire_time).toBeNull();
    expect(d.creation_ttl).toBe(0);
    expect(d.path).toBe('auth/token/root');
    expect(d.id).toBe(vault.rootToken);
  });

  test('When a token looks itself up, then the data carries Vault\'s fields', async () => {
    const auth = await root.createToken({ policies: [appPolicy], ttl: '2h', display_name: 'ci job' });
    const r = await root.get('auth/token/lookup-self', { token: auth.client_token });
    const d = r.json.data;
    expect(d.accessor).toBe(auth.accessor);
    expect(d.id).toBe(auth.client_token);
    expect(d.creation_ttl).toBe(7200);
    expect(d.ttl).toBeGreaterThan(7190);
    expect(d.ttl).toBeLessThanOrEqual(7200);
    expect(d.display_name).toBe('token-ci-job');
    expect(d.path).toBe('auth/token/create');
    expect(d.orphan).toBe(false);
    expect(d.renewable).toBe(true);
    expect(d.type).toBe('service');
    expect(typeof d.expire_time).toBe('string');
    expect(typeof d.issue_time).toBe('string');
    expect(typeof d.creation_time).toBe('number');
  });

  test('When lookup-accessor finds a token, then the data is the lookup with an empty id', async () => {
    const auth = await root.createToken({ policies: [appPolicy] });
    const r = await root.post('auth/token/lookup-accessor', { accessor: auth.accessor });
    expect(r.status).toBe(200);
    expect(r.json.data.id).toBe('');
    expect(r.json.data.accessor).toBe(auth.accessor);
    expect(r.json.data.policies).toEqual(auth.policies);
  });

  test('When lookup-accessor gets an unknown accessor, then the reply is 400', async () => {
    const r = await root.post('auth/token/lookup-accessor', { accessor: 'AAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain('invalid accessor');
  });

  test('When lookup gets another token in the body, then it is looked up', async () => {
    const auth = await root.createToken({ policies: [appPolicy] });
    const r = await root.post('auth/token/lookup', { token: auth.client_token });
    expect(r.status).toBe(200);
    expect(r.json.data.accessor).toBe(auth.accessor);
  });

  test('When lookup gets an unknown token, then the reply is 403 "bad token"', async () => {
    const r = await root.post('auth/token/lookup', { token: 'hvs.unknown000000000000000' });
    expect(r.status).toBe(403);
    expect(r.json.errors).toEqual(['bad token']);
  });
});

describe('num_uses', () => {
  test('When a token with num_uses=2 is used, then each request spends one and the third gets 403', async () => {
    const auth = await root.createToken({ policies: [appPolicy], num_uses: 2 });
    const first = await root.get('auth/token/lookup-self', { token: auth.client_token });
    expect(first.status).toBe(200);
    expect(first.json.data.num_uses).toBe(1);
    const second = await root.get('auth/token/lookup-self', { token: auth.client_token });
    expect(second.status).toBe(200);
    const third = await root.get('auth/token/lookup-self', { token: auth.client_token });
    expect(third.status).toBe(403);
    expect(third.json).toEqual({ errors: [INVALID_TOKEN] });
  });

  test('When a request is denied by the ACL, then it still spends a use', async () => {
    const auth = await root.createToken({ policies: [appPolicy], num_uses: 1 });
    const denied = await root.get('secret/data/not-allowed', { token: auth.client_token });
    expect(denied.status).toBe(403);
    const after = await root.get('auth/token/lookup-self', { token: auth.client_token });
    expect(after.status).toBe(403);
    expect(after.json).toEqual({ errors: [INVALID_TOKEN] });
  });
});

describe('token renew', () => {
  test('When a token renews itself with an increment, then the auth block shows the new lease_duration', async () => {
    const auth = await root.createToken({ policies: [appPolicy], ttl: '10m' });
    const r = await root.post('auth/token/renew-self', { increment: '1h' }, { token: auth.client_token });
    expect(r.status).toBe(200);
    expect(r.json.auth.lease_duration).toBe(3600);
    expect(r.json.auth.client_token).toBe(auth.client_token);
    const self = await root.get('auth/token/lookup-self', { token: auth.client_token });
    expect(self.json.data.ttl).toBeGreaterThan(3500);
  });

  test('When an explicit max TTL caps a renewal, then the TTL is capped and a warning says so', async () => {
    const auth = await root.createToken({ policies: [appPolicy], ttl: '10m', explicit_max_ttl: '20m' });
    const r = await root.post('auth/token/renew', { token: auth.client_token, increment: '1h' });
    expect(r.status).toBe(200);
    expect(r.json.auth.lease_duration).toBeLessThanOrEqual(1200);
    expect(r.json.warnings.join(' ')).toContain('capped');
  });

  test('When a batch token is renewed, then the reply is 400 "batch tokens cannot be renewed"', async () => {
    const batch = await root.createToken({ policies: [appPolicy], type: 'batch' });
    const r = await root.post('auth/token/renew', { token: batch.client_token });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['batch tokens cannot be renewed']);
  });

  test('When renew gets an unknown token, then the reply is 400 "token not found"', async () => {
    const r = await root.post('auth/token/renew', { token: 'hvs.unknown000000000000000' });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['token not found']);
  });

  test('When the non-expiring root token renews itself, then the reply is 400', async () => {
    const r = await root.post('auth/token/renew-self', {});
    expect(r.status).toBe(400);
  });
});

describe('token revoke', () => {
  test('When a token revokes itself, then it gets 204 and afterwards 403', async () => {
    const auth = await root.createToken({ policies: [appPolicy] });
    const r = await root.post('auth/token/revoke-self', undefined, { token: auth.client_token });
    expect(r.status).toBe(204);
    const after = await root.get('auth/token/lookup-self', { token: auth.client_token });
    expect(after.status).toBe(403);
    expect(after.json).toEqual({ errors: [INVALID_TOKEN] });
  });

  test('When a parent is revoked, then its children are revoked too', async () => {
    const parent = await root.createToken({ policies: [appPolicy] });
    const child = await root.withToken(parent.client_token).createToken({});
    const orphan = await root.withToken(parent.client_token).createToken({}, 'auth/token/create-orphan');
    expect((await root.post('auth/token/revoke', { token: parent.client_token })).status).toBe(204);
    expect((await root.get('auth/token/lookup-self', { token: child.client_token })).status).toBe(403);
    expect((await root.get('auth/token/lookup-self', { token: orphan.client_token })).status).toBe(200);
  });

  test('When a batch child\'s parent is revoked, then the batch token stops working', async () => {
    const parent = await root.createToken({ policies: [appPolicy] });
    const batch = await root.withToken(parent.client_token).createToken({ type: 'batch' });
    expect((await root.get('auth/token/lookup-self', { token: batch.client_token })).status).toBe(200);
    await root.post('auth/token/revoke', { token: parent.client_token });
    expect((await root.get('auth/token/lookup-self', { token: batch.client_token })).status).toBe(403);
  });

  test('When a token is revoked by accessor, then it stops working', async () => {
    const auth = await root.createToken({ policies: [appPolicy] });
    const r = await root.post('auth/token/revoke-accessor', { accessor: auth.accessor });
    expect(r.status).toBe(204);
    expect((await root.get('auth/token/lookup-self', { token: auth.client_token })).status).toBe(403);
  });

  test('When a batch token revokes itself, then the reply is 400 "batch tokens cannot be revoked"', async () => {
    const batch = await root.createToken({ policies: [appPolicy], type: 'batch' });
    const r = await root.post('auth/token/revoke', { token: batch.client_token });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['batch tokens cannot be revoked']);
  });

  test('When revoke gets no token, then the reply is 400 "missing token ID"', async () => {
    const r = await root.post('auth/token/revoke', {});
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['missing token ID']);
  });
});

describe('token_bound_cidrs', () => {
  test('When a login token is bound to a CIDR the client is outside of, then every request with it gets 403', async () => {
    const mount = unique('cidr-approle');
    await root.post(`sys/auth/${mount}`, { type: 'approle' });
    expect((await root.post(`auth/${mount}/role/r`, { token_bound_cidrs: '203.0.113.0/24', token_ttl: '10m' })).status).toBe(204);
    const roleId = (await root.get(`auth/${mount}/role/r/role-id`)).json.data.role_id;
    const secretId = (await root.post(`auth/${mount}/role/r/secret-id`, {})).json.data.secret_id;
    const login = await root.post(`auth/${mount}/login`, { role_id: roleId, secret_id: secretId }, { token: '' });
    expect(login.status).toBe(200);
    const r = await root.get('auth/token/lookup-self', { token: login.json.auth.client_token });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ errors: [INVALID_TOKEN] });
  });
});
