/**
 * The AppRole backend called directly: every message and status of reference §3,
 * in the order Vault checks them.
 */
import type { AuthGrant, BackendResponse } from '../../../src/devvault/backend';
import { createAppRoleBackend } from '../../../src/devvault/backends/approle';
import { ManualClock, errorOf, makeCaller } from './context';

function setup() {
  const clock = new ManualClock();
  const backend = createAppRoleBackend();
  return { clock, backend, call: makeCaller(backend, 'auth/approle/', clock) };
}

type Call = ReturnType<typeof setup>['call'];

async function roleId(call: Call, role: string): Promise<string> {
  return ((await call('read', `role/${role}/role-id`))?.data as { role_id: string }).role_id;
}

async function secretId(call: Call, role: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const res = await call('write', `role/${role}/secret-id`, { body });
  return res?.data as Record<string, unknown>;
}

async function login(call: Call, body: Record<string, unknown>, clientIp = '127.0.0.1'): Promise<AuthGrant> {
  const res = (await call('write', 'login', { body, clientIp })) as BackendResponse;
  return res.auth as AuthGrant;
}

describe('AppRole roles', () => {
  it('When a role is created with no fields, then it reads back with Vault defaults', async () => {
    const { call } = setup();
    expect(await call('write', 'role/web')).toBeNull();
    expect(await call('read', 'role/web')).toEqual({
      data: {
        bind_secret_id: true,
        local_secret_ids: false,
        secret_id_bound_cidrs: null,
        secret_id_num_uses: 0,
        secret_id_ttl: 0,
        token_bound_cidrs: [],
        token_explicit_max_ttl: 0,
        token_max_ttl: 0,
        token_no_default_policy: false,
        token_num_uses: 0,
        token_period: 0,
        token_policies: [],
        token_ttl: 0,
        token_type: 'default',
      },
    });
    expect(await roleId(call, 'web')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('When fields are given as strings, lists and durations, then they are parsed the way Vault parses them', async () => {
    const { call } = setup();
    await call('write', 'role/App', {
      body: {
        secret_id_bound_cidrs: '10.0.0.0/8, 192.168.0.0/16',
        secret_id_num_uses: '5',
        secret_id_ttl: '10m',
        token_ttl: '1h',
        token_max_ttl: 7200,
        token_policies: 'b,a',
        token_bound_cidrs: ['10.1.2.3', '10.2.0.0/16'],
        token_type: 'batch',
        token_no_default_policy: 'true',
        token_explicit_max_ttl: '3h',
        local_secret_ids: true,
      },
    });
    // Role names are stored lower-cased and found case-insensitively.
    const res = await call('read', 'role/APP');
    expect(res?.data).toMatchObject({
      secret_id_bound_cidrs: ['10.0.0.0/8', '192.168.0.0/16'],
      secret_id_num_uses: 5,
      secret_id_ttl: 600,
      token_ttl: 3600,
      token_max_ttl: 7200,
      token_policies: ['b', 'a'],
      token_bound_cidrs: ['10.1.2.3', '10.2.0.0/16'],
      token_type: 'batch',
      token_no_default_policy: true,
      token_explicit_max_ttl: 10800,
      local_secret_ids: true,
    });
    expect((await call('list', 'role/'))?.data).toEqual({ keys: ['app'] });
  });

  it('When an existing role is updated, then absent fields keep their values', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { token_ttl: 60, secret_id_num_uses: 3 } });
    const before = await roleId(call, 'r');
    await call('write', 'role/r', { body: { token_ttl: 120 } });
    expect((await call('read', 'role/r'))?.data).toMatchObject({ token_ttl: 120, secret_id_num_uses: 3 });
    expect(await roleId(call, 'r')).toBe(before);
  });

  it('When legacy policies/period are used, then they fill token_policies/token_period and are echoed', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { policies: 'B, a,a', period: 60 } });
    expect((await call('read', 'role/r'))?.data).toMatchObject({
      policies: ['a', 'b'],
      token_policies: ['a', 'b'],
      period: 60,
      token_period: 60,
    });
  });

  it('When no constraint is left, then the save fails as a bare error (500), or 400 with warnings', async () => {
    const { call } = setup();
    const err = await errorOf(call('write', 'role/r', { body: { bind_secret_id: false } }));
    expect(err.message).toBe('at least one constraint should be enabled on the role');
    expect(err.options).toMatchObject({ plain: true });
    expect(err.options.status).toBeUndefined();
    const withWarning = await errorOf(call('write', 'role/r', { body: { bind_secret_id: false, token_type: 'default-service' } }));
    expect(withWarning.options).toMatchObject({ plain: true, status: 400 });
    expect(await call('read', 'role/r')).toBeNull();
    // A CIDR binding is a constraint too.
    expect(await call('write', 'role/r', { body: { bind_secret_id: false, secret_id_bound_cidrs: ['10.0.0.0/8'] } })).toBeNull();
    expect(await call('write', 'role/t', { body: { bind_secret_id: false, token_bound_cidrs: '10.0.0.1' } })).toBeNull();
  });

  it('When role validation fails, then the messages are Vault\'s', async () => {
    const { call } = setup();
    const msg = async (body: Record<string, unknown>, path = 'role/r') => (await errorOf(call('write', path, { body }))).message;
    expect(await msg({ secret_id_num_uses: -1 })).toBe('secret_id_num_uses cannot be negative');
    expect(await msg({ token_type: 'weird' })).toBe(`invalid 'token_type' value "weird"`);
    expect(await msg({ token_num_uses: -1 })).toBe("'token_num_uses' cannot be negative");
    expect(await msg({ token_type: 'batch', token_num_uses: 2 })).toBe(
      "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
    );
    expect(await msg({ token_type: 'batch', token_period: 60 })).toBe(
      "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens",
    );
    expect(await msg({ token_ttl: 120, token_max_ttl: 60 })).toBe("'token_ttl' cannot be greater than 'token_max_ttl'");
    expect(await msg({ token_bound_cidrs: 'nope' })).toBe(
      'error parsing address "nope": Unable to convert "nope" to an IPv4 or IPv6 address, or a UNIX Socket',
    );
    expect(await msg({ period: '800h' })).toBe(`period of "800h0m0s" is greater than the backend's maximum lease TTL of "768h0m0s"`);
    expect(await msg({ secret_id_ttl: -5 })).toBe(
      `Field validation failed: error converting input -5 for field "secret_id_ttl": cannot provide negative value '-5'`,
    );
    expect(await msg({ secret_id_num_uses: 'x' })).toMatch(/^Field validation failed: error converting input x for field "secret_id_num_uses"/);
    expect(await msg({ bind_secret_id: 'maybe' })).toMatch(/for field "bind_secret_id"/);
    expect(await msg({}, `role/${'a'.repeat(4097)}`)).toBe('role_name is longer than maximum of 4096 bytes');
    const cidr = await errorOf(call('write', 'role/r', { body: { secret_id_bound_cidrs: '10.0.0.1' } }));
    expect(cidr.message).toBe('failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1');
    expect(cidr.options.plain).toBe(true);
    // None of the failed writes created the role.
    expect(await call('read', 'role/r')).toBeNull();
  });

  it('When local_secret_ids is sent on an update, then 400 "can only be modified during role creation"', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { local_secret_ids: true } });
    expect((await errorOf(call('write', 'role/r', { body: { local_secret_ids: false } }))).message).toBe(
      'local_secret_ids can only be modified during role creation',
    );
    expect((await call('read', 'role/r/local-secret-ids'))?.data).toEqual({ local_secret_ids: true });
  });

  it('When a custom role_id is taken by another role, then "role_id already in use" (500)', async () => {
    const { call } = setup();
    await call('write', 'role/a', { body: { role_id: 'shared-id' } });
    expect(await roleId(call, 'a')).toBe('shared-id');
    const err = await errorOf(call('write', 'role/b', { body: { role_id: 'shared-id' } }));
    expect(err.message).toBe('role_id already in use');
    expect(err.options.plain).toBe(true);
    await call('write', 'role/b');
    const viaPath = await errorOf(call('write', 'role/b/role-id', { body: { role_id: 'shared-id' } }));
    expect(viaPath.message).toBe('role_id already in use');
    // Re-saving a role with its own role_id is fine.
    expect(await call('write', 'role/a', { body: { role_id: 'shared-id' } })).toBeNull();
  });

  it('When role-id is set, then login uses the new one and the old one stops working', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' } });
    const old = await roleId(call, 'r');
    expect(await call('write', 'role/r/role-id', { body: { role_id: 'custom' } })).toBeNull();
    expect(await roleId(call, 'r')).toBe('custom');
    expect((await login(call, { role_id: 'custom' })).metadata).toEqual({ role_name: 'r' });
    expect((await errorOf(call('write', 'login', { body: { role_id: old } }))).message).toBe('invalid role or secret ID');
    expect((await errorOf(call('write', 'role/r/role-id', { body: {} }))).message).toBe('missing role_id');
    expect(await call('read', 'role/none/role-id')).toBeNull();
  });

  it('When default-service/default-batch are given, then they become service/batch with a warning (200)', async () => {
    const { call } = setup();
    expect(await call('write', 'role/r', { body: { token_type: 'default-batch' } })).toEqual({
      warnings: ['default-batch has no useful meaning; adjusting to batch'],
    });
    expect((await call('read', 'role/r'))?.data).toMatchObject({ token_type: 'batch' });
  });

  it('When token_max_ttl exceeds the mount max, then the save succeeds with a warning', async () => {
    const { call } = setup();
    expect(await call('write', 'role/r', { body: { token_max_ttl: '800h' } })).toEqual({
      warnings: ["token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated"],
    });
  });

  it('When a role is deleted, then it, its role_id and its secret IDs are gone; deleting again is 204', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    const rid = await roleId(call, 'r');
    const sid = await secretId(call, 'r');
    expect(await call('delete', 'role/r')).toBeNull();
    expect(await call('read', 'role/r')).toBeNull();
    expect((await errorOf(call('write', 'login', { body: { role_id: rid, secret_id: sid.secret_id } }))).message).toBe(
      'invalid role or secret ID',
    );
    expect(await call('delete', 'role/r')).toBeNull();
    // Recreating the role does not bring the old secret ID back.
    await call('write', 'role/r', { body: { role_id: rid } });
    expect(await call('write', 'role/r/secret-id/lookup', { body: { secret_id: sid.secret_id } })).toBeNull();
    expect((await call('list', 'role'))?.data).toEqual({ keys: ['r'] });
  });

  it('When the role list is empty, then keys is empty (the core answers 404)', async () => {
    const { call } = setup();
    expect((await call('list', 'role/'))?.data).toEqual({ keys: [] });
  });

  it('When exists() is asked, then role/:name checks the role and other paths are updates', async () => {
    const { call, backend, clock } = setup();
    const ctx = (path: string) => ({ operation: 'update' as const, path, mountPath: 'auth/approle/', body: {}, query: {}, clientIp: '127.0.0.1', requestId: 'r', clock });
    expect(backend.exists?.(ctx('role/r'))).toBe(false);
    expect(backend.exists?.(ctx('role/r/secret-id'))).toBe(true);
    await call('write', 'role/R');
    expect(backend.exists?.(ctx('role/r'))).toBe(true);
    expect(backend.exists?.(ctx('role/R'))).toBe(true);
    expect(backend.isUnauthenticated?.('login')).toBe(true);
    expect(backend.isUnauthenticated?.('role/r')).toBe(false);
  });

  it('When a path is unknown or an operation unsupported, then 404 "unsupported path" / 405', async () => {
    const { call } = setup();
    expect((await errorOf(call('read', 'nope'))).message).toBe('unsupported path');
    expect((await errorOf(call('read', 'role/bad name'))).message).toBe('unsupported path');
    expect((await errorOf(call('read', 'login'))).message).toBe('unsupported operation');
    expect((await errorOf(call('read', 'role/r/secret-id'))).message).toBe('unsupported operation');
  });

  it('When one-field sub-paths are used, then they read, update and reset that field', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    expect(await call('write', 'role/r/secret-id-ttl', { body: { secret_id_ttl: '5m' } })).toBeNull();
    expect((await call('read', 'role/r/secret-id-ttl'))?.data).toEqual({ secret_id_ttl: 300 });
    expect(await call('write', 'role/r/policies', { body: { token_policies: 'Z,y' } })).toBeNull();
    expect((await call('read', 'role/r/policies'))?.data).toEqual({ token_policies: ['y', 'z'] });
    expect((await errorOf(call('write', 'role/r/token-num-uses', { body: {} }))).message).toBe('missing token_num_uses');
    await call('write', 'role/r/token-max-ttl', { body: { token_max_ttl: 60 } });
    expect((await errorOf(call('write', 'role/r/token-ttl', { body: { token_ttl: 120 } }))).message).toBe(
      'token_ttl should not be greater than token_max_ttl',
    );
    expect((await errorOf(call('write', 'role/r/bind-secret-id', { body: { bind_secret_id: false } }))).message).toBe(
      'at least one constraint should be enabled on the role',
    );
    expect(await call('delete', 'role/r/secret-id-ttl')).toBeNull();
    expect((await call('read', 'role/r/secret-id-ttl'))?.data).toEqual({ secret_id_ttl: 0 });
    await call('write', 'role/r/token-bound-cidrs', { body: { token_bound_cidrs: '10.0.0.0/8' } });
    expect((await call('read', 'role/r/token-bound-cidrs'))?.data).toEqual({ token_bound_cidrs: ['10.0.0.0/8'] });
    expect(await call('read', 'role/none/secret-id-ttl')).toBeNull();
    expect((await errorOf(call('write', 'role/none/secret-id-ttl', { body: { secret_id_ttl: 1 } }))).message).toBe(
      'unsupported path',
    );
  });
});

describe('AppRole secret IDs', () => {
  it('When a secret ID is generated, then it has an accessor, the role\'s ttl/num_uses, and lookup shows it', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { secret_id_ttl: 600, secret_id_num_uses: 50 } });
    const s = await secretId(call, 'r', { metadata: '{"computer_id":"42","site":"hq"}' });
    expect(s).toEqual({
      secret_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      secret_id_accessor: expect.stringMatching(/^[0-9a-f-]{36}$/),
      secret_id_num_uses: 50,
      secret_id_ttl: 600,
    });
    expect(Object.keys(s)).toEqual(['secret_id', 'secret_id_accessor', 'secret_id_num_uses', 'secret_id_ttl']);
    const look = await call('write', 'role/r/secret-id/lookup', { body: { secret_id: s.secret_id } });
    expect(look?.data).toEqual({
      cidr_list: [],
      creation_time: '2024-01-02T03:04:05.6Z',
      expiration_time: '2024-01-02T03:14:05.6Z',
      last_updated_time: '2024-01-02T03:04:05.6Z',
      metadata: { computer_id: '42', site: 'hq' },
      secret_id_accessor: s.secret_id_accessor,
      secret_id_num_uses: 50,
      secret_id_ttl: 600,
      token_bound_cidrs: [],
    });
    const byAccessor = await call('write', 'role/r/secret-id-accessor/lookup', { body: { secret_id_accessor: s.secret_id_accessor } });
    expect(byAccessor?.data).toEqual(look?.data);
  });

  it('When no TTL applies, then expiration_time is Go\'s zero time', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    const s = await secretId(call, 'r');
    const look = await call('write', 'role/r/secret-id/lookup', { body: { secret_id: s.secret_id } });
    expect(look?.data).toMatchObject({ expiration_time: '0001-01-01T00:00:00Z', secret_id_ttl: 0 });
  });

  it('When a requested ttl is above the mount max, then the response caps it to 2764800', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    const s = await secretId(call, 'r', { ttl: '1000h' });
    expect(s.secret_id_ttl).toBe(2764800);
    const look = await call('write', 'role/r/secret-id/lookup', { body: { secret_id: s.secret_id } });
    expect(look?.data).toMatchObject({ secret_id_ttl: 3600000 });
  });

  it('When metadata is "k=v" text, then it is parsed (lower-cased, like Vault); bad metadata is refused', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    const s = await secretId(call, 'r', { metadata: 'Computer=ABC, site = hq' });
    const look = await call('write', 'role/r/secret-id/lookup', { body: { secret_id: s.secret_id } });
    expect((look?.data as { metadata: unknown }).metadata).toEqual({ computer: 'abc', site: 'hq' });
    const b64 = await secretId(call, 'r', { metadata: Buffer.from('{"Tag":"Prod"}').toString('base64') });
    const look2 = await call('write', 'role/r/secret-id/lookup', { body: { secret_id: b64.secret_id } });
    expect((look2?.data as { metadata: unknown }).metadata).toEqual({ Tag: 'Prod' });

    const msg = async (metadata: string) => (await errorOf(call('write', 'role/r/secret-id', { body: { metadata } }))).message;
    expect(await msg('{"n":1}')).toBe('failed to parse metadata: failed to parse the input: invalid <key,value> format');
    expect(await msg('{"k":""}')).toBe('failed to parse metadata: invalid value for key "k"');
    expect(await msg('a=')).toBe('failed to parse metadata: failed to parse the input: invalid <key,value> pair: key: "a" value: ""');
  });

  it('When num_uses/ttl break the role\'s limits, then Vault\'s messages (including for 0)', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { secret_id_num_uses: 5, secret_id_ttl: 600 } });
    const msg = async (body: Record<string, unknown>) => (await errorOf(call('write', 'role/r/secret-id', { body }))).message;
    expect(await msg({ num_uses: -1 })).toBe('num_uses cannot be negative');
    expect(await msg({ num_uses: 6 })).toBe("num_uses cannot be higher than the role's secret_id_num_uses");
    expect(await msg({ num_uses: 0 })).toBe("num_uses cannot be higher than the role's secret_id_num_uses");
    expect(await msg({ ttl: 601 })).toBe("ttl cannot be longer than the role's secret_id_ttl");
    expect(await msg({ ttl: 0 })).toBe("ttl cannot be longer than the role's secret_id_ttl");
    const ok = await secretId(call, 'r', { num_uses: 2, ttl: '5m' });
    expect(ok).toMatchObject({ secret_id_num_uses: 2, secret_id_ttl: 300 });
  });

  it('When CIDR lists are bad or not inside the role\'s, then the reference\'s messages', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { secret_id_bound_cidrs: '10.0.0.0/8', token_bound_cidrs: ['10.1.0.0/16', '10.9.9.9'] } });
    const err = async (body: Record<string, unknown>) => errorOf(call('write', 'role/r/secret-id', { body }));
    const e1 = await err({ cidr_list: 'garbage' });
    expect([e1.message, e1.options.plain]).toEqual(['failed to validate CIDR blocks', undefined]);
    expect((await err({ token_bound_cidrs: '10.1.0.1' })).message).toBe('failed to validate token CIDR blocks');
    const e2 = await err({ cidr_list: '192.168.0.0/24' });
    expect(e2.message).toBe(
      'failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/8"] and CIDR blocks on the secret ID ["192.168.0.0/24"]: %!w(<nil>)',
    );
    expect(e2.options.plain).toBe(true);
    const e3 = await err({ token_bound_cidrs: '10.2.0.0/24' });
    expect(e3.message).toBe(
      'failed to verify subset relationship between CIDR blocks on the role ["10.1.0.0/16" "10.9.9.9/32"] and CIDR blocks on the secret ID ["10.2.0.0/24"]: %!w(<nil>)',
    );
    const ok = await secretId(call, 'r', { cidr_list: ['10.5.0.0/16'], token_bound_cidrs: '10.1.2.0/24,10.9.9.9/32' });
    const look = await call('write', 'role/r/secret-id/lookup', { body: { secret_id: ok.secret_id } });
    expect(look?.data).toMatchObject({ cidr_list: ['10.5.0.0/16'], token_bound_cidrs: ['10.1.2.0/24', '10.9.9.9/32'] });
  });

  it('When the role does not bind secret IDs or does not exist, then 400 / 404 messages', async () => {
    const { call } = setup();
    await call('write', 'role/open', { body: { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' } });
    expect((await errorOf(call('write', 'role/open/secret-id'))).message).toBe('bind_secret_id is not set on the role');
    const missing = await errorOf(call('write', 'role/Ghost/secret-id'));
    expect([missing.message, missing.options.status]).toEqual(['role "Ghost" does not exist', 404]);
    const missingCustom = await errorOf(call('write', 'role/ghost/custom-secret-id', { body: { secret_id: 'x' } }));
    expect([missingCustom.message, missingCustom.options.status]).toEqual(['role "ghost" does not exist', 404]);
  });

  it('When a custom secret ID is registered twice, then the second is a 500; an empty one is "missing secret_id"', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    const s = await call('write', 'role/r/custom-secret-id', { body: { secret_id: 'my-secret' } });
    expect((s?.data as { secret_id: string }).secret_id).toBe('my-secret');
    const dup = await errorOf(call('write', 'role/r/custom-secret-id', { body: { secret_id: 'my-secret' } }));
    expect(dup.message).toBe('failed to store secret_id: SecretID is already registered');
    expect(dup.options.plain).toBe(true);
    expect((await errorOf(call('write', 'role/r/custom-secret-id', { body: {} }))).message).toBe('missing secret_id');
    // Uniqueness is per role.
    await call('write', 'role/other');
    expect(await call('write', 'role/other/custom-secret-id', { body: { secret_id: 'my-secret' } })).toBeTruthy();
  });

  it('When secret IDs are listed, then keys are their accessors; none gives empty keys', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    expect((await call('list', 'role/r/secret-id'))?.data).toEqual({ keys: [] });
    const a = await secretId(call, 'r');
    const b = await secretId(call, 'r');
    const keys = ((await call('list', 'role/r/secret-id/'))?.data as { keys: string[] }).keys;
    expect([...keys].sort()).toEqual([a.secret_id_accessor, b.secret_id_accessor].sort());
    expect(keys).not.toContain(a.secret_id);
    expect((await errorOf(call('list', 'role/none/secret-id'))).message).toBe('role "none" does not exist');
  });

  it('When lookup/destroy target unknown things, then Vault\'s odd statuses (204, 500, raw 404, 403)', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    // Unknown secret ID: nil response to an update → 204.
    expect(await call('write', 'role/r/secret-id/lookup', { body: { secret_id: 'nope' } })).toBeNull();
    expect(await call('write', 'role/r/secret-id/destroy', { body: { secret_id: 'nope' } })).toBeNull();
    expect((await errorOf(call('write', 'role/r/secret-id/lookup', { body: {} }))).message).toBe('missing secret_id');
    // Unknown role: a bare error → 500.
    const noRole = await errorOf(call('write', 'role/ghost/secret-id/lookup', { body: { secret_id: 'x' } }));
    expect([noRole.message, noRole.options.plain]).toEqual(['role "ghost" does not exist', true]);
    // Unknown accessor: lookup is a raw 404 envelope, destroy a bare error.
    expect(await call('write', 'role/r/secret-id-accessor/lookup', { body: { secret_id_accessor: 'acc-x' } })).toEqual({
      data: { error: 'failed to find accessor entry for secret_id_accessor: "acc-x"' },
      rawStatus: 404,
    });
    const d = await errorOf(call('write', 'role/r/secret-id-accessor/destroy', { body: { secret_id_accessor: 'acc-x' } }));
    expect([d.message, d.options.plain]).toEqual(['failed to find accessor entry for secret_id_accessor: "acc-x"', true]);
    expect((await errorOf(call('write', 'role/r/secret-id-accessor/lookup', { body: {} }))).message).toBe(
      'missing secret_id_accessor',
    );
  });

  it('When a secret ID is destroyed by value or by accessor, then it can no longer log in', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    const rid = await roleId(call, 'r');
    const a = await secretId(call, 'r');
    const b = await secretId(call, 'r');
    expect(await call('write', 'role/r/secret-id/destroy', { body: { secret_id: a.secret_id } })).toBeNull();
    expect(await call('write', 'role/r/secret-id-accessor/destroy', { body: { secret_id_accessor: b.secret_id_accessor } })).toBeNull();
    for (const s of [a, b]) {
      expect((await errorOf(call('write', 'login', { body: { role_id: rid, secret_id: s.secret_id } }))).message).toBe(
        'invalid role or secret ID',
      );
    }
    expect((await call('list', 'role/r/secret-id'))?.data).toEqual({ keys: [] });
    // DELETE works on the destroy paths too, with the field in the query string.
    const c = await secretId(call, 'r');
    expect(await call('delete', 'role/r/secret-id-accessor/destroy', { query: { secret_id_accessor: c.secret_id_accessor as string } })).toBeNull();
    expect(await call('write', 'role/r/secret-id/lookup', { body: { secret_id: c.secret_id } })).toBeNull();
  });
});

describe('AppRole login', () => {
  it('When role_id and secret_id are valid, then the grant carries policies, metadata and token settings', async () => {
    const { call } = setup();
    await call('write', 'role/My-App', {
      body: { token_policies: ['zeta', 'Alpha', 'zeta'], token_ttl: '20m', token_max_ttl: '1h', token_num_uses: 3, token_bound_cidrs: '10.0.0.0/8' },
    });
    const rid = await roleId(call, 'my-app');
    const s = await secretId(call, 'my-app', { metadata: 'computer_id=42,role_name=spoof' });
    const auth = await login(call, { role_id: ` ${rid}\n`, secret_id: `\t${s.secret_id as string} ` });
    expect(auth).toEqual({
      policies: ['alpha', 'default', 'zeta'],
      metadata: { computer_id: '42', role_name: 'my-app' },
      ttl: 1200,
      maxTtl: 3600,
      tokenType: 'service',
      boundCidrs: ['10.0.0.0/8'],
      numUses: 3,
      period: 0,
      explicitMaxTtl: 0,
      noDefaultPolicy: false,
      displayName: 'approle',
      path: 'auth/approle/login',
      aliasName: rid,
    });
  });

  it('When token_no_default_policy and batch are set, then no default policy and a batch token', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { token_policies: 'app', token_no_default_policy: true, token_type: 'batch' } });
    const auth = await login(call, { role_id: await roleId(call, 'r'), secret_id: (await secretId(call, 'r')).secret_id });
    expect(auth).toMatchObject({ policies: ['app'], tokenType: 'batch', noDefaultPolicy: true });
  });

  it('When the secret ID has token_bound_cidrs, then they replace the role\'s on the token', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { token_bound_cidrs: '10.0.0.0/8' } });
    const s = await secretId(call, 'r', { token_bound_cidrs: '10.1.0.0/16' });
    const auth = await login(call, { role_id: await roleId(call, 'r'), secret_id: s.secret_id });
    expect(auth.boundCidrs).toEqual(['10.1.0.0/16']);
  });

  it('When the mount is elsewhere, then path and display name follow the mount', async () => {
    const clock = new ManualClock();
    const call = makeCaller(createAppRoleBackend(), 'auth/endpoints/', clock);
    await call('write', 'role/r');
    const auth = await login(call, { role_id: await roleId(call, 'r'), secret_id: (await secretId(call, 'r')).secret_id });
    expect([auth.path, auth.displayName]).toEqual(['auth/endpoints/login', 'endpoints']);
  });

  it('When bind_secret_id is off, then role_id alone logs in (subject to the role CIDRs)', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' } });
    const rid = await roleId(call, 'r');
    expect((await login(call, { role_id: rid })).metadata).toEqual({ role_name: 'r' });
    expect((await errorOf(call('write', 'login', { body: { role_id: rid }, clientIp: '10.0.0.1' }))).message).toBe(
      'source address "10.0.0.1" unauthorized by CIDR restrictions on the role: %!w(<nil>)',
    );
  });

  it('When a check fails, then each failure case answers with Vault\'s message, in Vault\'s order', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    const rid = await roleId(call, 'r');
    const fail = async (body: Record<string, unknown>) => {
      const e = await errorOf(call('write', 'login', { body }));
      expect(e.options.status).toBeUndefined(); // ErrorResponse → 400
      expect(e.options.plain).toBeFalsy();
      return e.message;
    };
    expect(await fail({})).toBe('missing role_id');
    expect(await fail({ role_id: '   ', secret_id: 'x' })).toBe('missing role_id');
    expect(await fail({ role_id: 'unknown', secret_id: '' })).toBe('invalid role or secret ID');
    expect(await fail({ role_id: rid })).toBe('missing secret_id');
    expect(await fail({ role_id: rid, secret_id: ' ' })).toBe('missing secret_id');
    expect(await fail({ role_id: rid, secret_id: 'wrong' })).toBe('invalid role or secret ID');
  });

  it('When a secret ID with unlimited uses is used from outside its cidr_list, then the "through" message', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    const s = await secretId(call, 'r', { cidr_list: '10.0.0.0/8' });
    const body = { role_id: await roleId(call, 'r'), secret_id: s.secret_id };
    expect((await errorOf(call('write', 'login', { body, clientIp: '192.168.1.5' }))).message).toBe(
      'source address "192.168.1.5" unauthorized through CIDR restrictions on the secret ID',
    );
    expect((await login(call, body, '10.2.3.4')).metadata.role_name).toBe('r');
  });

  it('When a limited-use secret ID is used from outside its cidr_list, then the use is spent before the refusal', async () => {
    const { call } = setup();
    await call('write', 'role/r');
    const s = await secretId(call, 'r', { cidr_list: '10.0.0.0/8', num_uses: 2 });
    const body = { role_id: await roleId(call, 'r'), secret_id: s.secret_id };
    expect((await errorOf(call('write', 'login', { body, clientIp: '192.168.1.5' }))).message).toBe(
      'source address "192.168.1.5" unauthorized by CIDR restrictions on the secret ID: %!w(<nil>)',
    );
    const look = await call('write', 'role/r/secret-id/lookup', { body: { secret_id: s.secret_id } });
    expect((look?.data as { secret_id_num_uses: number }).secret_id_num_uses).toBe(1);
    // The last use is refused for CIDR too, and then the secret ID is gone.
    expect((await errorOf(call('write', 'login', { body, clientIp: '192.168.1.5' }))).message).toMatch(/unauthorized by CIDR/);
    expect((await errorOf(call('write', 'login', { body, clientIp: '10.0.0.1' }))).message).toBe('invalid role or secret ID');
  });

  it('When the role has secret_id_bound_cidrs and the client is outside, then the role message', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { secret_id_bound_cidrs: ['10.0.0.0/8', 'fd00::/8'] } });
    const s = await secretId(call, 'r');
    const body = { role_id: await roleId(call, 'r'), secret_id: s.secret_id };
    expect((await errorOf(call('write', 'login', { body, clientIp: '127.0.0.1' }))).message).toBe(
      'source address "127.0.0.1" unauthorized by CIDR restrictions on the role: %!w(<nil>)',
    );
    expect((await login(call, body, '10.0.0.9')).metadata.role_name).toBe('r');
    expect((await login(call, body, 'fd12::1')).metadata.role_name).toBe('r');
    expect((await login(call, body, '::ffff:10.0.0.9')).metadata.role_name).toBe('r');
  });

  it('When num_uses runs out, then the secret ID works exactly that many times', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { secret_id_num_uses: 2 } });
    const s = await secretId(call, 'r');
    const body = { role_id: await roleId(call, 'r'), secret_id: s.secret_id };
    await login(call, body);
    await login(call, body);
    expect((await errorOf(call('write', 'login', { body }))).message).toBe('invalid role or secret ID');
    expect((await call('list', 'role/r/secret-id'))?.data).toEqual({ keys: [] });
  });

  it('When a secret ID reaches its expiration time, then it is refused from that moment', async () => {
    const { call, clock } = setup();
    await call('write', 'role/r');
    const s = await secretId(call, 'r', { ttl: 60 });
    const body = { role_id: await roleId(call, 'r'), secret_id: s.secret_id };
    clock.advance(59);
    await login(call, body);
    clock.advance(1);
    expect((await errorOf(call('write', 'login', { body }))).message).toBe('invalid role or secret ID');
    // Gone everywhere, as after Vault's tidy.
    expect(await call('write', 'role/r/secret-id/lookup', { body: { secret_id: s.secret_id } })).toBeNull();
    expect((await call('write', 'role/r/secret-id-accessor/lookup', { body: { secret_id_accessor: s.secret_id_accessor } }))?.rawStatus).toBe(404);
  });

  it('When the role\'s CIDRs shrink after issuance, then login fails with the subset error (500)', async () => {
    const { call } = setup();
    await call('write', 'role/r', { body: { secret_id_bound_cidrs: '10.0.0.0/8' } });
    const s = await secretId(call, 'r', { cidr_list: '10.1.0.0/16' });
    await call('write', 'role/r', { body: { secret_id_bound_cidrs: '10.2.0.0/16' } });
    const e = await errorOf(call('write', 'login', { body: { role_id: await roleId(call, 'r'), secret_id: s.secret_id }, clientIp: '10.1.0.1' }));
    expect(e.options.plain).toBe(true);
    expect(e.message).toMatch(/^failed to verify subset relationship/);
  });
});
