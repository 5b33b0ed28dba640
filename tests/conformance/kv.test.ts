/**
 * KV v1 and v2 over plain HTTP (reference §5): envelopes, versions, CAS, PATCH,
 * soft delete / undelete / destroy, the deleted-version 404 envelope, metadata, config
 * and the v1-path-on-v2 warning. Each run mounts its own engines so it can also run
 * against a real Vault (VAULT_ADDR/VAULT_TOKEN) without touching `secret/`.
 */
import { realVaultConfigured, ManualClock, startTestVault, type TestVault } from '../support/vault';
import { VaultClient, type VaultReply, unique } from '../support/vault-http';

let vault: TestVault;
let root: VaultClient;
let v2: string;
let v1: string;

const devvaultOnly = realVaultConfigured() ? test.skip : test;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/**
 * A new KV v2 mount. A real Vault may answer "Upgrading from non-versioned to versioned
 * data" for a moment after mounting, so wait until a probe write goes through.
 */
async function mountKvV2(client: VaultClient): Promise<string> {
  const path = unique('kv2');
  const r = await client.post(`sys/mounts/${path}`, { type: 'kv', options: { version: '2' } });
  expect(r.status).toBe(204);
  for (let i = 0; i < 50; i++) {
    const probe = await client.post(`${path}/data/probe`, { data: { ok: true } });
    if (probe.status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  await client.delete(`${path}/metadata/probe`);
  return path;
}

function write(path: string, data: Record<string, unknown>, options?: Record<string, unknown>): Promise<VaultReply> {
  return root.post(`${v2}/data/${path}`, options ? { options, data } : { data });
}

beforeAll(async () => {
  vault = await startTestVault();
  root = new VaultClient(vault.addr, vault.rootToken);
  v2 = await mountKvV2(root);
  v1 = unique('kv1');
  expect((await root.post(`sys/mounts/${v1}`, { type: 'kv', options: { version: '1' } })).status).toBe(204);
});

afterAll(() => vault.close());

describe('KV v1', () => {
  test('When a map is written and read, then 204 then 200 with lease_duration 2764800 and no lease id', async () => {
    const w = await root.post(`${v1}/app/db`, { password: 'p', port: 5432 });
    expect([w.status, w.text]).toEqual([204, '']);
    const r = await root.get(`${v1}/app/db`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      lease_id: '',
      renewable: false,
      lease_duration: 2764800,
      data: { password: 'p', port: 5432 },
      wrap_info: null,
      warnings: null,
      auth: null,
      mount_type: 'kv',
    });
  });

  test('When a key is missing, then 404 {"errors":[]}', async () => {
    const r = await root.get(`${v1}/missing`);
    expect([r.status, r.json]).toEqual([404, { errors: [] }]);
  });

  test('When the body is empty, then 400 "missing data fields"', async () => {
    const r = await root.post(`${v1}/empty`, {});
    expect([r.status, r.json]).toEqual([400, { errors: ['missing data fields'] }]);
  });

  test('When listing, then folders end in "/"; an empty folder is 404', async () => {
    await root.post(`${v1}/tree/a`, { x: 1 });
    await root.post(`${v1}/tree/sub/b`, { x: 1 });
    const r = await root.call('LIST', `${v1}/tree`);
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ keys: ['a', 'sub/'] });
    const viaQuery = await root.get(`${v1}/tree/?list=true`);
    expect(viaQuery.json.data).toEqual({ keys: ['a', 'sub/'] });
    expect((await root.call('LIST', `${v1}/nothing-here`)).status).toBe(404);
  });

  test('When a key is deleted, then 204 and it is gone', async () => {
    await root.post(`${v1}/gone`, { x: 1 });
    expect((await root.delete(`${v1}/gone`)).status).toBe(204);
    expect((await root.get(`${v1}/gone`)).status).toBe(404);
  });
});

describe('KV v2 data', () => {
  test('When data is written, then 200 with the version metadata', async () => {
    const r = await write('w/one', { a: 1 });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({
      created_time: expect.stringMatching(RFC3339),
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 1,
    });
    expect(r.json.lease_duration).toBe(0);
  });

  test('When data is read, then data and metadata; ?version=N reads older versions; unknown is 404', async () => {
    await write('r/k', { v: 1 });
    await write('r/k', { v: 2 });
    const r = await root.get(`${v2}/data/r/k`);
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({
      data: { v: 2 },
      metadata: { created_time: expect.stringMatching(RFC3339), custom_metadata: null, deletion_time: '', destroyed: false, version: 2 },
    });
    expect(r.json).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, mount_type: 'kv' });
    expect((await root.get(`${v2}/data/r/k?version=1`)).json.data.data).toEqual({ v: 1 });
    const missingVersion = await root.get(`${v2}/data/r/k?version=9`);
    expect([missingVersion.status, missingVersion.json]).toEqual([404, { errors: [] }]);
    const missingKey = await root.get(`${v2}/data/r/none`);
    expect([missingKey.status, missingKey.json]).toEqual([404, { errors: [] }]);
  });

  test('When a write has no data, then 400 "no data provided"', async () => {
    const r = await root.post(`${v2}/data/nodata`, { options: {} });
    expect([r.status, r.json]).toEqual([400, { errors: ['no data provided'] }]);
  });

  test('When CAS is used, then the three CAS errors are 400 with Vault\'s texts', async () => {
    expect((await write('cas/k', { a: 1 }, { cas: 0 })).status).toBe(200);
    const mismatch = await write('cas/k', { a: 2 }, { cas: 0 });
    expect([mismatch.status, mismatch.json]).toEqual([400, { errors: ['check-and-set parameter did not match the current version'] }]);
    const parse = await write('cas/k', { a: 2 }, { cas: 'one' });
    expect([parse.status, parse.json]).toEqual([400, { errors: ['error parsing check-and-set parameter'] }]);
    expect((await write('cas/k', { a: 2 }, { cas: 1 })).json.data.version).toBe(2);
    expect((await root.post(`${v2}/metadata/cas/k`, { cas_required: true })).status).toBe(204);
    const required = await write('cas/k', { a: 3 });
    expect([required.status, required.json]).toEqual([400, { errors: ['check-and-set parameter required for this call'] }]);
  });

  test('When PATCH sends a merge patch, then a new version with the merged data', async () => {
    await write('patch/k', { a: 1, b: 2, c: { d: 1 } });
    const r = await root.call('PATCH', `${v2}/data/patch/k`, {
      body: { data: { b: null, c: { e: 2 } } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(r.status).toBe(200);
    expect(r.json.data.version).toBe(2);
    expect((await root.get(`${v2}/data/patch/k`)).json.data.data).toEqual({ a: 1, c: { d: 1, e: 2 } });
  });

  test('When PATCH targets a missing key, then 404 with an empty body', async () => {
    const r = await root.call('PATCH', `${v2}/data/patch/none`, {
      body: { data: { a: 1 } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect([r.status, r.text]).toEqual([404, '']);
  });

  test('When the latest version is deleted, then 204 and a read is 404 with the full envelope', async () => {
    await write('del/k', { a: 1 });
    const d = await root.delete(`${v2}/data/del/k`);
    expect([d.status, d.text]).toEqual([204, '']);
    const r = await root.get(`${v2}/data/del/k`);
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({
      request_id: expect.any(String),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: {
        data: null,
        metadata: { deletion_time: expect.stringMatching(RFC3339), destroyed: false, version: 1, custom_metadata: null },
      },
      wrap_info: null,
      warnings: null,
      auth: null,
    });
    expect(r.json.errors).toBeUndefined();
  });

  test('When versions are deleted, undeleted and destroyed, then 204s and reads follow', async () => {
    await write('ver/k', { v: 1 });
    await write('ver/k', { v: 2 });
    expect((await root.post(`${v2}/delete/ver/k`, { versions: [1] })).status).toBe(204);
    expect((await root.get(`${v2}/data/ver/k?version=1`)).status).toBe(404);
    expect((await root.post(`${v2}/undelete/ver/k`, { versions: [1] })).status).toBe(204);
    expect((await root.get(`${v2}/data/ver/k?version=1`)).json.data.data).toEqual({ v: 1 });
    expect((await root.post(`${v2}/destroy/ver/k`, { versions: [2] })).status).toBe(204);
    const r = await root.get(`${v2}/data/ver/k`);
    expect(r.status).toBe(404);
    expect(r.json.data).toEqual({ data: null, metadata: expect.objectContaining({ destroyed: true, deletion_time: '', version: 2 }) });
  });

  test('When no versions are given, then 400 with the (differently capitalised) texts', async () => {
    const d = await root.post(`${v2}/delete/ver/k`, {});
    expect([d.status, d.json]).toEqual([400, { errors: ['No version number provided'] }]);
    const u = await root.post(`${v2}/undelete/ver/k`, {});
    expect([u.status, u.json]).toEqual([400, { errors: ['No version number provided'] }]);
    const x = await root.post(`${v2}/destroy/ver/k`, {});
    expect([x.status, x.json]).toEqual([400, { errors: ['no version number provided'] }]);
  });

  test('When more than max_versions are written, then the oldest go and oldest_version moves up', async () => {
    await root.post(`${v2}/metadata/max/k`, { max_versions: 3 });
    for (let v = 1; v <= 5; v++) await write('max/k', { v });
    const meta = await root.get(`${v2}/metadata/max/k`);
    expect(meta.json.data).toMatchObject({ current_version: 5, oldest_version: 3, max_versions: 3 });
    expect(Object.keys(meta.json.data.versions).sort()).toEqual(['3', '4', '5']);
    expect((await root.get(`${v2}/data/max/k?version=2`)).status).toBe(404);
  });
});

describe('KV v2 metadata and config', () => {
  test('When metadata is read, then all fields in Vault\'s formats', async () => {
    await write('meta/k', { a: 1 });
    await root.post(`${v2}/metadata/meta/k`, { custom_metadata: { owner: 'ops' }, delete_version_after: '1h' });
    const r = await root.get(`${v2}/metadata/meta/k`);
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({
      cas_required: false,
      created_time: expect.stringMatching(RFC3339),
      current_version: 1,
      custom_metadata: { owner: 'ops' },
      delete_version_after: '1h0m0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: expect.stringMatching(RFC3339),
      versions: { 1: { created_time: expect.stringMatching(RFC3339), deletion_time: '', destroyed: false } },
    });
    expect((await root.get(`${v2}/data/meta/k`)).json.data.metadata.custom_metadata).toEqual({ owner: 'ops' });
    expect((await root.get(`${v2}/metadata/meta/none`)).status).toBe(404);
  });

  test('When metadata is listed, then folders end in "/"; an empty folder is 404', async () => {
    await write('list/a', { x: 1 });
    await write('list/sub/b', { x: 1 });
    const r = await root.call('LIST', `${v2}/metadata/list`);
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ keys: ['a', 'sub/'] });
    expect((await root.call('LIST', `${v2}/metadata/list/none`)).status).toBe(404);
  });

  test('When metadata is deleted, then 204 and every version is gone', async () => {
    await write('mdel/k', { a: 1 });
    expect((await root.delete(`${v2}/metadata/mdel/k`)).status).toBe(204);
    expect((await root.get(`${v2}/data/mdel/k`)).status).toBe(404);
    expect((await root.get(`${v2}/metadata/mdel/k`)).status).toBe(404);
  });

  test('When custom_metadata has an empty value, then 400 in multierror form', async () => {
    const r = await root.post(`${v2}/metadata/bad/k`, { custom_metadata: { k: '' } });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      errors: ['1 error occurred:\n\t* custom_metadata validation failed: length of value for key "k" is 0 but must be 0 < len(value) <= 512\n\n'],
    });
  });

  test('When the engine config is written and read, then it round-trips', async () => {
    const mount = await mountKvV2(root);
    const before = await root.get(`${mount}/config`);
    expect(before.json.data).toEqual({ cas_required: false, delete_version_after: '0s', max_versions: 0 });
    expect((await root.post(`${mount}/config`, { max_versions: 4, cas_required: true, delete_version_after: '30m' })).status).toBe(204);
    const after = await root.get(`${mount}/config`);
    expect(after.json.data).toEqual({ cas_required: true, delete_version_after: '30m0s', max_versions: 4 });
    const r = await root.post(`${mount}/data/k`, { data: { a: 1 } });
    expect([r.status, r.json]).toEqual([400, { errors: ['check-and-set parameter required for this call'] }]);
  });
});

describe('KV v2 with a v1-style path', () => {
  const warning = (verb: string) =>
    `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${verb}' for this operation.`;

  test('When a v1 path is read or written on a v2 mount, then 404 with the warning naming the CLI verb', async () => {
    const get = await root.get(`${v2}/foo`);
    expect(get.status).toBe(404);
    expect(get.json).toMatchObject({ data: null, warnings: [warning('get')] });
    const put = await root.post(`${v2}/foo`, { a: 1 });
    expect(put.status).toBe(404);
    expect(put.json).toMatchObject({ data: null, warnings: [warning('put')] });
  });
});

describe('delete_version_after (devvault clock)', () => {
  devvaultOnly('When the time passes, then the version reads as deleted (404 envelope)', async () => {
    const clock = new ManualClock(Date.UTC(2024, 5, 1));
    const dv = await startTestVault({ clock });
    try {
      const client = new VaultClient(dv.addr, dv.rootToken);
      await client.post('secret/metadata/dva', { delete_version_after: '10s' });
      const w = await client.post('secret/data/dva', { data: { a: 1 } });
      expect(w.json.data).toMatchObject({ created_time: '2024-06-01T00:00:00Z', deletion_time: '2024-06-01T00:00:10Z' });
      clock.advance(9);
      expect((await client.get('secret/data/dva')).status).toBe(200);
      clock.advance(1);
      const r = await client.get('secret/data/dva');
      expect(r.status).toBe(404);
      expect(r.json.data.metadata.deletion_time).toBe('2024-06-01T00:00:10Z');
    } finally {
      await dv.close();
    }
  });
});
