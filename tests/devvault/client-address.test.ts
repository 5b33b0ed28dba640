/**
 * The client address CIDR checks see (reference §12): the socket peer, or the last
 * X-Forwarded-For entry when the peer is a trusted proxy. devvault-only, because the
 * trusted proxies are server configuration.
 */
import { startDevVault, type DevVaultHandle } from '../../src/devvault';
import { resolveClientAddress, parseTrustedProxy } from '../../src/devvault/http/client-address';
import { INVALID_TOKEN, VaultClient, unique } from '../support/vault-http';

async function boundLogin(root: VaultClient, opts: { tokenCidrs?: string; secretCidrs?: string }): Promise<{ roleId: string; secretId: string; mount: string }> {
  const mount = unique('xff');
  await root.post(`sys/auth/${mount}`, { type: 'approle' });
  const role: Record<string, unknown> = { token_ttl: '10m' };
  if (opts.tokenCidrs) role.token_bound_cidrs = opts.tokenCidrs;
  if (opts.secretCidrs) role.secret_id_bound_cidrs = opts.secretCidrs;
  expect((await root.post(`auth/${mount}/role/r`, role)).status).toBe(204);
  const roleId = (await root.get(`auth/${mount}/role/r/role-id`)).json.data.role_id;
  const secretId = (await root.post(`auth/${mount}/role/r/secret-id`, {})).json.data.secret_id;
  return { roleId, secretId, mount };
}

describe('behind a trusted proxy', () => {
  let dv: DevVaultHandle;
  let root: VaultClient;

  beforeAll(async () => {
    dv = await startDevVault({ port: 0, trustedProxies: ['127.0.0.1/32'] });
    root = new VaultClient(dv.address, dv.rootToken);
  });
  afterAll(() => dv.close());

  test('When the trusted proxy forwards an allowed address, then a CIDR-bound token works', async () => {
    const { roleId, secretId, mount } = await boundLogin(root, { tokenCidrs: '10.0.0.0/24' });
    const login = await root.post(`auth/${mount}/login`, { role_id: roleId, secret_id: secretId }, { token: '', headers: { 'X-Forwarded-For': '10.0.0.5' } });
    expect(login.status).toBe(200);
    const token = login.json.auth.client_token;
    const ok = await root.get('auth/token/lookup-self', { token, headers: { 'X-Forwarded-For': '10.0.0.5' } });
    expect(ok.status).toBe(200);
    expect(ok.json.data.bound_cidrs).toEqual(['10.0.0.0/24']);
    const elsewhere = await root.get('auth/token/lookup-self', { token, headers: { 'X-Forwarded-For': '192.168.1.1' } });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json).toEqual({ errors: [INVALID_TOKEN] });
    // Without the header the proxy's own address (127.0.0.1) is the client.
    expect((await root.get('auth/token/lookup-self', { token })).status).toBe(403);
  });

  test('When X-Forwarded-For has several entries, then only the last one counts', async () => {
    const { roleId, secretId, mount } = await boundLogin(root, { tokenCidrs: '10.0.0.0/24' });
    const token = (await root.post(`auth/${mount}/login`, { role_id: roleId, secret_id: secretId }, { token: '' })).json.auth.client_token;
    const spoofed = await root.get('auth/token/lookup-self', { token, headers: { 'X-Forwarded-For': '10.0.0.5, 192.168.1.1' } });
    expect(spoofed.status).toBe(403);
    const real = await root.get('auth/token/lookup-self', { token, headers: { 'X-Forwarded-For': '192.168.1.1, 10.0.0.7' } });
    expect(real.status).toBe(200);
  });

  test('When a secret ID is CIDR-bound, then the login error names the forwarded address', async () => {
    const { roleId, secretId, mount } = await boundLogin(root, { secretCidrs: '10.0.0.0/24' });
    const r = await root.post(`auth/${mount}/login`, { role_id: roleId, secret_id: secretId }, { token: '', headers: { 'X-Forwarded-For': '172.16.0.9' } });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain('source address "172.16.0.9" unauthorized by CIDR restrictions on the role');
  });
});

describe('with an untrusted peer', () => {
  let dv: DevVaultHandle;
  let root: VaultClient;

  beforeAll(async () => {
    dv = await startDevVault({ port: 0, trustedProxies: ['10.9.9.9/32'] });
    root = new VaultClient(dv.address, dv.rootToken);
  });
  afterAll(() => dv.close());

  test('When an untrusted peer sends X-Forwarded-For, then the header is ignored', async () => {
    const { roleId, secretId, mount } = await boundLogin(root, { tokenCidrs: '127.0.0.0/8' });
    const token = (await root.post(`auth/${mount}/login`, { role_id: roleId, secret_id: secretId }, { token: '' })).json.auth.client_token;
    const r = await root.get('auth/token/lookup-self', { token, headers: { 'X-Forwarded-For': '192.168.1.1' } });
    expect(r.status).toBe(200);
  });
});

describe('the non-expiring root token', () => {
  test('When the root token is used from anywhere, then no CIDR check applies', async () => {
    const dv = await startDevVault({ port: 0 });
    try {
      const r = await new VaultClient(dv.address, dv.rootToken).get('auth/token/lookup-self');
      expect(r.status).toBe(200);
    } finally {
      await dv.close();
    }
  });
});

describe('resolveClientAddress', () => {
  const trusted = { trustedProxies: [parseTrustedProxy('127.0.0.1')], rejectNotPresent: false, rejectNotAuthorized: false };

  test('When the peer is an IPv4-mapped IPv6 address, then the ::ffff: prefix is dropped', () => {
    expect(resolveClientAddress('::ffff:10.1.2.3', undefined, { ...trusted, trustedProxies: [] })).toBe('10.1.2.3');
  });

  test('When the last entry carries a port, then only the IP is used', () => {
    expect(resolveClientAddress('127.0.0.1', '1.1.1.1, 10.0.0.5:4444', trusted)).toBe('10.0.0.5');
    expect(resolveClientAddress('127.0.0.1', '[2001:db8::1]:443', trusted)).toBe('2001:db8::1');
  });

  test('When rejection is configured, then Vault\'s texts are used', () => {
    expect(() => resolveClientAddress('127.0.0.1', undefined, { ...trusted, rejectNotPresent: true })).toThrow(
      'missing x-forwarded-for header and configured to reject when not present',
    );
    expect(() => resolveClientAddress('10.0.0.1', '1.2.3.4', { ...trusted, rejectNotAuthorized: true })).toThrow(
      'client address not authorized for x-forwarded-for and configured to reject connection',
    );
  });

  test('When the last entry is not an address, then the header is ignored', () => {
    expect(resolveClientAddress('127.0.0.1', '10.0.0.5, garbage', trusted)).toBe('127.0.0.1');
  });
});
