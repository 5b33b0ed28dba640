/**
 * KV v1 and v2 backends called directly, checking every status-relevant result and
 * message of reference §5 (null = "no response object", rawStatus = forced status).
 */
import { createKvBackend } from '../../../src/devvault/backends/kv';
import { backendFactories } from '../../../src/devvault/backends';
import { ManualClock, errorOf, makeCaller } from './context';

function v1() {
  const clock = new ManualClock();
  const backend = createKvBackend({ type: 'kv', options: { version: '1' } });
  return { clock, backend, call: makeCaller(backend, 'kv1/', clock) };
}

function v2() {
  const clock = new ManualClock();
  const backend = createKvBackend({ type: 'kv', options: { version: '2' } });
  return { clock, backend, call: makeCaller(backend, 'secret/', clock) };
}

const T0 = '2024-01-02T03:04:05.6Z';

describe('backend registry', () => {
  it('mounts kv v1 by default, v2 with options.version "2" or type kv-v2, and approle', async () => {
    const clock = new ManualClock();
    const plain = makeCaller(backendFactories.kv({ type: 'kv', options: {} }), 'a/', clock);
    expect(await plain('write', 'x', { body: { a: 1 } })).toBeNull();
    expect((await plain('read', 'x'))?.data).toEqual({ a: 1 });

    const kv2 = makeCaller(backendFactories['kv-v2']({ type: 'kv-v2', options: {} }), 'b/', clock);
    expect((await kv2('write', 'data/x', { body: { data: { a: 1 } } }))?.data).toMatchObject({ version: 1 });

    const byOption = backendFactories.kv({ type: 'kv', options: { version: '2' } });
    expect(byOption.type).toBe('kv');
    expect(backendFactories.approle({ type: 'approle', options: {} }).type).toBe('approle');
  });
});

describe('KV v1', () => {
  it('When a map is written, then a read returns it exactly with the 2764800 s refresh hint', async () => {
    const { call } = v1();
    expect(await call('write', 'app/db', { body: { password: 's3cret', port: 5432, nested: { b: 2, a: 1 } } })).toBeNull();
    const res = await call('read', 'app/db');
    expect(res).toEqual({ data: { nested: { a: 1, b: 2 }, password: 's3cret', port: 5432 }, leaseDuration: 2764800, renewable: false });
    expect(Object.keys(res?.data ?? {})).toEqual(['nested', 'password', 'port']);
  });

  it('When the secret carries a ttl (or lease) field, then that is the lease_duration', async () => {
    const { call } = v1();
    await call('write', 'a', { body: { v: 1, ttl: '1h' } });
    expect((await call('read', 'a'))?.leaseDuration).toBe(3600);
    await call('write', 'b', { body: { v: 1, lease: 90 } });
    expect((await call('read', 'b'))?.leaseDuration).toBe(90);
    await call('write', 'c', { body: { v: 1, ttl: 'soon' } });
    expect((await call('read', 'c'))?.leaseDuration).toBe(2764800);
  });

  it('When a key is missing, then read returns no response (404) and exists() is false', async () => {
    const { call, backend, clock } = v1();
    expect(await call('read', 'nope')).toBeNull();
    const ctx = { operation: 'update' as const, path: 'nope', mountPath: 'kv1/', body: {}, query: {}, clientIp: '127.0.0.1', requestId: 'r', clock };
    expect(backend.exists?.(ctx)).toBe(false);
  });

  it('When a write replaces a key, then the whole map is replaced (no merge, no versions)', async () => {
    const { call } = v1();
    await call('write', 'k', { body: { a: 1, b: 2 } });
    await call('write', 'k', { body: { c: 3 } });
    expect((await call('read', 'k'))?.data).toEqual({ c: 3 });
  });

  it('When the body is empty, then 400 "missing data fields"', async () => {
    const { call } = v1();
    const err = await errorOf(call('write', 'k', { body: {} }));
    expect(err.message).toBe('missing data fields');
    expect(err.options.status).toBeUndefined();
    expect(err.options.plain).toBeFalsy();
  });

  it('When a key is deleted, then delete answers 204 and the key is gone; deleting again is still 204', async () => {
    const { call } = v1();
    await call('write', 'k', { body: { a: 1 } });
    expect(await call('delete', 'k')).toBeNull();
    expect(await call('read', 'k')).toBeNull();
    expect(await call('delete', 'k')).toBeNull();
  });

  it('When listing, then direct children come back sorted with folders ending in "/"', async () => {
    const { call } = v1();
    for (const k of ['app/a', 'app/b/c', 'app/b/d', 'app/z', 'other']) await call('write', k, { body: { x: 1 } });
    expect((await call('list', 'app/'))?.data).toEqual({ keys: ['a', 'b/', 'z'] });
    expect((await call('list', 'app'))?.data).toEqual({ keys: ['a', 'b/', 'z'] });
    expect((await call('list', ''))?.data).toEqual({ keys: ['app/', 'other'] });
    // An empty list is an empty `keys`, which the core turns into 404.
    expect((await call('list', 'none/'))?.data).toEqual({ keys: [] });
  });

  it('When PATCH is used on v1, then it is an unsupported operation (405)', async () => {
    const { call } = v1();
    const err = await errorOf(call('patch', 'k', { body: { a: 1 } }));
    expect(err.message).toBe('unsupported operation');
    expect(err.options.plain).toBe(true);
  });

  it('When a stored map is read and changed by the caller, then the stored value is not affected', async () => {
    const { call } = v1();
    const body = { a: { b: 1 } };
    await call('write', 'k', { body });
    body.a.b = 2;
    const read = await call('read', 'k');
    (read?.data as { a: { b: number } }).a.b = 3;
    expect((await call('read', 'k'))?.data).toEqual({ a: { b: 1 } });
  });
});

describe('KV v2 data', () => {
  it('When data is written, then the write returns the version metadata and a read returns data + metadata', async () => {
    const { call } = v2();
    const w = await call('write', 'data/app/db', { body: { data: { password: 'p', user: 'u' } } });
    expect(w).toEqual({
      data: { created_time: T0, custom_metadata: null, deletion_time: '', destroyed: false, version: 1 },
    });
    const r = await call('read', 'data/app/db');
    expect(r).toEqual({
      data: {
        data: { password: 'p', user: 'u' },
        metadata: { created_time: T0, custom_metadata: null, deletion_time: '', destroyed: false, version: 1 },
      },
    });
    expect(r?.rawStatus).toBeUndefined();
  });

  it('When ?version=N is given, then that version is read; a version that does not exist is 404 (null)', async () => {
    const { call, clock } = v2();
    await call('write', 'data/k', { body: { data: { v: 1 } } });
    clock.advance(1);
    await call('write', 'data/k', { body: { data: { v: 2 } } });
    expect(((await call('read', 'data/k'))?.data as { data: unknown }).data).toEqual({ v: 2 });
    const v1res = await call('read', 'data/k', { query: { version: '1' } });
    expect((v1res?.data as { data: unknown }).data).toEqual({ v: 1 });
    expect((v1res?.data as { metadata: { created_time: string } }).metadata.created_time).toBe(T0);
    expect(await call('read', 'data/k', { query: { version: '7' } })).toBeNull();
    expect(await call('read', 'data/missing')).toBeNull();
    const bad = await errorOf(call('read', 'data/k', { query: { version: 'two' } }));
    expect(bad.message).toMatch(/^Field validation failed: error converting input two for field "version"/);
  });

  it('When a write has no data, then 400 "no data provided"', async () => {
    const { call } = v2();
    expect((await errorOf(call('write', 'data/k', { body: { options: {} } }))).message).toBe('no data provided');
    expect((await errorOf(call('patch', 'data/k', { body: {} }))).message).toBe('no data provided');
  });

  it('When CAS is used, then cas must equal current_version, 0 means create-only, and bad values are rejected', async () => {
    const { call } = v2();
    expect((await call('write', 'data/k', { body: { options: { cas: 0 }, data: { a: 1 } } }))?.data).toMatchObject({ version: 1 });
    const e1 = await errorOf(call('write', 'data/k', { body: { options: { cas: 0 }, data: { a: 2 } } }));
    expect(e1.message).toBe('check-and-set parameter did not match the current version');
    expect((await call('write', 'data/k', { body: { options: { cas: 1 }, data: { a: 2 } } }))?.data).toMatchObject({ version: 2 });
    expect((await call('write', 'data/k', { body: { options: { cas: '2' }, data: { a: 3 } } }))?.data).toMatchObject({ version: 3 });
    const e2 = await errorOf(call('write', 'data/k', { body: { options: { cas: 'x' }, data: { a: 2 } } }));
    expect(e2.message).toBe('error parsing check-and-set parameter');
    expect(e2.options.status).toBeUndefined();
  });

  it('When cas_required is set on the engine or the key, then a write without cas is refused', async () => {
    const { call } = v2();
    await call('write', 'data/k', { body: { data: { a: 1 } } });
    await call('write', 'metadata/k', { body: { cas_required: true } });
    expect((await errorOf(call('write', 'data/k', { body: { data: { a: 2 } } }))).message).toBe(
      'check-and-set parameter required for this call',
    );
    expect((await call('write', 'data/k', { body: { data: { a: 2 }, options: { cas: 1 } } }))?.data).toMatchObject({ version: 2 });

    expect(await call('write', 'config', { body: { cas_required: true } })).toBeNull();
    expect((await errorOf(call('write', 'data/other', { body: { data: { a: 1 } } }))).message).toBe(
      'check-and-set parameter required for this call',
    );
    // Turning it off on a key while the engine requires it only warns.
    const warn = await call('write', 'metadata/k', { body: { cas_required: false } });
    expect(warn).toEqual({
      warnings: ['"cas_required" set to false, but is mandated by backend config. This value will be ignored.'],
    });
  });

  it('When PATCH sends a merge patch, then it is merged onto the latest version as a new version', async () => {
    const { call } = v2();
    await call('write', 'data/k', { body: { data: { a: 1, b: { c: 1, d: 2 }, gone: true } } });
    const p = await call('patch', 'data/k', { body: { data: { a: 2, b: { d: null, e: 3 }, gone: null } } });
    expect(p?.data).toMatchObject({ version: 2, destroyed: false, deletion_time: '' });
    expect(((await call('read', 'data/k'))?.data as { data: unknown }).data).toEqual({ a: 2, b: { c: 1, e: 3 } });
    expect((await errorOf(call('patch', 'data/k', { body: { data: { a: 3 }, options: { cas: 1 } } }))).message).toBe(
      'check-and-set parameter did not match the current version',
    );
  });

  it('When PATCH targets a missing key, then the answer is a bare 404 (no envelope)', async () => {
    const { call } = v2();
    expect(await call('patch', 'data/none', { body: { data: { a: 1 } } })).toEqual({ rawStatus: 404 });
  });

  it('When the latest version is soft-deleted, then read is 404 with the full envelope carrying the metadata', async () => {
    const { call, clock } = v2();
    await call('write', 'data/k', { body: { data: { a: 1 } } });
    clock.advance(2);
    expect(await call('delete', 'data/k')).toBeNull();
    expect(await call('read', 'data/k')).toEqual({
      data: {
        data: null,
        metadata: { created_time: T0, custom_metadata: null, deletion_time: '2024-01-02T03:04:07.6Z', destroyed: false, version: 1 },
      },
      rawStatus: 404,
    });
    const patch = await call('patch', 'data/k', { body: { data: { a: 2 } } });
    expect(patch?.rawStatus).toBe(404);
    expect(patch?.data).toMatchObject({ version: 1, deletion_time: '2024-01-02T03:04:07.6Z' });
    // Deleting again keeps the first deletion time.
    clock.advance(5);
    await call('delete', 'data/k');
    expect(((await call('read', 'data/k'))?.data as { metadata: { deletion_time: string } }).metadata.deletion_time).toBe(
      '2024-01-02T03:04:07.6Z',
    );
  });

  it('When versions are deleted, undeleted and destroyed, then reads follow and destroyed is permanent', async () => {
    const { call } = v2();
    for (const v of [1, 2, 3]) await call('write', 'data/k', { body: { data: { v } } });
    expect(await call('write', 'delete/k', { body: { versions: [1, 2] } })).toBeNull();
    expect((await call('read', 'data/k', { query: { version: '1' } }))?.rawStatus).toBe(404);
    expect((await call('read', 'data/k', { query: { version: '3' } }))?.rawStatus).toBeUndefined();
    expect(await call('write', 'undelete/k', { body: { versions: '1' } })).toBeNull();
    expect(((await call('read', 'data/k', { query: { version: '1' } }))?.data as { data: unknown }).data).toEqual({ v: 1 });
    expect(await call('write', 'destroy/k', { body: { versions: [2, 3, 99] } })).toBeNull();
    const d = await call('read', 'data/k');
    expect(d?.rawStatus).toBe(404);
    expect(d?.data).toEqual({ data: null, metadata: expect.objectContaining({ destroyed: true, version: 3 }) });
    // Undelete cannot bring back destroyed data.
    await call('write', 'undelete/k', { body: { versions: [2] } });
    expect((await call('read', 'data/k', { query: { version: '2' } }))?.rawStatus).toBe(404);
    // Deleting the latest version when it is destroyed is a no-op.
    expect(await call('delete', 'data/k')).toBeNull();
    // Unknown keys are fine (204).
    expect(await call('write', 'delete/none', { body: { versions: [1] } })).toBeNull();
  });

  it('When versions are missing, then delete/undelete say "No version number provided" and destroy "no version number provided"', async () => {
    const { call } = v2();
    expect((await errorOf(call('write', 'delete/k', { body: {} }))).message).toBe('No version number provided');
    expect((await errorOf(call('write', 'undelete/k', { body: { versions: [] } }))).message).toBe('No version number provided');
    expect((await errorOf(call('write', 'destroy/k', { body: {} }))).message).toBe('no version number provided');
  });

  it('When more than max_versions are written, then the oldest are removed and oldest_version moves up', async () => {
    const { call } = v2();
    for (let v = 1; v <= 12; v++) await call('write', 'data/k', { body: { data: { v } } });
    const meta = (await call('read', 'metadata/k'))?.data as Record<string, unknown>;
    expect(meta.current_version).toBe(12);
    expect(meta.oldest_version).toBe(3);
    expect(Object.keys(meta.versions as object)).toEqual(['3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
    expect(await call('read', 'data/k', { query: { version: '2' } })).toBeNull();

    await call('write', 'metadata/k', { body: { max_versions: 2 } });
    await call('write', 'data/k', { body: { data: { v: 13 } } });
    const after = (await call('read', 'metadata/k'))?.data as Record<string, unknown>;
    expect(Object.keys(after.versions as object)).toEqual(['12', '13']);
    expect(after.oldest_version).toBe(12);
    expect(after.max_versions).toBe(2);
  });

  it('When the engine config sets max_versions, then it applies to every key', async () => {
    const { call } = v2();
    await call('write', 'config', { body: { max_versions: 3 } });
    for (let v = 1; v <= 5; v++) await call('write', 'data/k', { body: { data: { v } } });
    expect(((await call('read', 'metadata/k'))?.data as { oldest_version: number }).oldest_version).toBe(3);
  });

  it('When the config is read, then it shows the stored values (max_versions 0 = default of 10)', async () => {
    const { call } = v2();
    expect(await call('read', 'config')).toEqual({ data: { cas_required: false, delete_version_after: '0s', max_versions: 0 } });
    expect(await call('write', 'config', {})).toBeNull();
    await call('write', 'config', { body: { max_versions: 5, cas_required: 'true', delete_version_after: '1h30m' } });
    expect(await call('read', 'config')).toEqual({ data: { cas_required: true, delete_version_after: '1h30m0s', max_versions: 5 } });
    await call('write', 'config', { body: { delete_version_after: '-1' } });
    expect((await call('read', 'config'))?.data).toMatchObject({ delete_version_after: '-1s' });
    expect((await errorOf(call('patch', 'config'))).message).toBe('unsupported operation');
  });

  it('When delete_version_after is set, then new versions get a deletion time and read 404 once it has passed', async () => {
    const { call, clock } = v2();
    await call('write', 'metadata/k', { body: { delete_version_after: '10s' } });
    const w = await call('write', 'data/k', { body: { data: { a: 1 } } });
    expect(w?.data).toMatchObject({ deletion_time: '2024-01-02T03:04:15.6Z' });
    clock.advance(9);
    expect((await call('read', 'data/k'))?.rawStatus).toBeUndefined();
    clock.advance(1);
    expect((await call('read', 'data/k'))?.rawStatus).toBe(404);
    // Undelete restarts the clock.
    await call('write', 'undelete/k', { body: { versions: [1] } });
    expect((await call('read', 'data/k'))?.data).toMatchObject({ metadata: { deletion_time: '2024-01-02T03:04:25.6Z' } });
    // A disabled engine setting wins over the key's.
    await call('write', 'config', { body: { delete_version_after: -1 } });
    expect((await call('write', 'data/k', { body: { data: { a: 2 } } }))?.data).toMatchObject({ deletion_time: '' });
  });
});

describe('KV v2 metadata', () => {
  it('When metadata is read, then every field is there with Vault formats', async () => {
    const { call, clock } = v2();
    await call('write', 'data/k', { body: { data: { a: 1 } } });
    clock.advance(1.25);
    await call('write', 'data/k', { body: { data: { a: 2 } } });
    expect(await call('read', 'metadata/k')).toEqual({
      data: {
        cas_required: false,
        created_time: T0,
        current_version: 2,
        custom_metadata: null,
        delete_version_after: '0s',
        max_versions: 0,
        oldest_version: 0,
        updated_time: '2024-01-02T03:04:06.85Z',
        versions: {
          1: { created_time: T0, deletion_time: '', destroyed: false },
          2: { created_time: '2024-01-02T03:04:06.85Z', deletion_time: '', destroyed: false },
        },
      },
    });
    expect(await call('read', 'metadata/none')).toBeNull();
  });

  it('When custom_metadata is written, then metadata and data reads show it', async () => {
    const { call } = v2();
    expect(await call('write', 'metadata/k', { body: { custom_metadata: { owner: 'ops', n: 1 } } })).toBeNull();
    expect((await call('read', 'metadata/k'))?.data).toMatchObject({ custom_metadata: { n: '1', owner: 'ops' }, current_version: 0 });
    // Metadata without versions: data read is 404.
    expect(await call('read', 'data/k')).toBeNull();
    await call('write', 'data/k', { body: { data: { a: 1 } } });
    expect((await call('read', 'data/k'))?.data).toMatchObject({ metadata: { custom_metadata: { n: '1', owner: 'ops' } } });
    // PATCH merges custom_metadata; null removes a key.
    expect(await call('patch', 'metadata/k', { body: { custom_metadata: { n: null, env: 'prod' } } })).toBeNull();
    expect((await call('read', 'metadata/k'))?.data).toMatchObject({ custom_metadata: { env: 'prod', owner: 'ops' } });
    expect(await call('patch', 'metadata/none', { body: { max_versions: 1 } })).toEqual({ rawStatus: 404 });
  });

  it('When custom_metadata is invalid, then all problems are reported in multierror form', async () => {
    const { call } = v2();
    const err = await errorOf(call('write', 'metadata/k', { body: { custom_metadata: { '': 'x', k: '' } } }));
    expect(err.message).toBe(
      '2 errors occurred:\n\t* custom_metadata validation failed: length of key "" is 0 but must be 0 < len(key) <= 128\n' +
        '\t* custom_metadata validation failed: length of value for key "k" is 0 but must be 0 < len(value) <= 512\n\n',
    );
    const many: Record<string, string> = {};
    for (let i = 0; i < 65; i++) many[`k${i}`] = 'v';
    expect((await errorOf(call('write', 'metadata/k', { body: { custom_metadata: many } }))).message).toBe(
      '1 error occurred:\n\t* custom_metadata validation failed: payload must contain at most 64 keys, provided 65\n\n',
    );
    expect((await errorOf(call('write', 'metadata/k', { body: { custom_metadata: { k: 'a\u0001' } } }))).message).toContain(
      'value for key "k" contains unprintable characters',
    );
  });

  it('When a metadata write has no known field, then nothing is created (204)', async () => {
    const { call } = v2();
    expect(await call('write', 'metadata/k', { body: { unknown: 1 } })).toBeNull();
    expect(await call('read', 'metadata/k')).toBeNull();
  });

  it('When metadata is deleted, then the key and all versions are gone', async () => {
    const { call } = v2();
    await call('write', 'data/k', { body: { data: { a: 1 } } });
    expect(await call('delete', 'metadata/k')).toBeNull();
    expect(await call('read', 'data/k')).toBeNull();
    expect(await call('read', 'metadata/k')).toBeNull();
    expect(await call('delete', 'metadata/k')).toBeNull();
  });

  it('When metadata is listed, then folders end in "/" and the root lists top-level keys', async () => {
    const { call } = v2();
    for (const k of ['app/a', 'app/b/c', 'top']) await call('write', 'data/' + k, { body: { data: { x: 1 } } });
    expect((await call('list', 'metadata/'))?.data).toEqual({ keys: ['app/', 'top'] });
    expect((await call('list', 'metadata/app'))?.data).toEqual({ keys: ['a', 'b/'] });
    expect((await call('list', 'metadata'))?.data).toEqual({ keys: ['app/', 'top'] });
    expect((await call('list', 'metadata/none/'))?.data).toEqual({ keys: [] });
  });

  it('When exists() is asked, then data/ and metadata/ check the key and other paths are always updates', async () => {
    const { backend, call, clock } = v2();
    const ctx = (path: string) => ({ operation: 'update' as const, path, mountPath: 'secret/', body: {}, query: {}, clientIp: '127.0.0.1', requestId: 'r', clock });
    expect(backend.exists?.(ctx('data/k'))).toBe(false);
    expect(backend.exists?.(ctx('metadata/k'))).toBe(false);
    expect(backend.exists?.(ctx('delete/k'))).toBe(true);
    expect(backend.exists?.(ctx('config'))).toBe(true);
    await call('write', 'data/k', { body: { data: { a: 1 } } });
    expect(backend.exists?.(ctx('data/k'))).toBe(true);
    expect(backend.exists?.(ctx('metadata/k'))).toBe(true);
  });
});

describe('KV v2 invalid paths', () => {
  const warning = (verb: string) =>
    `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${verb}' for this operation.`;

  it('When a v1-style path is used on a v2 mount, then 404 with the warning naming the CLI verb', async () => {
    const { call } = v2();
    expect(await call('read', 'foo')).toEqual({ data: null, warnings: [warning('get')], rawStatus: 404 });
    expect(await call('write', 'foo', { body: { a: 1 } })).toEqual({ data: null, warnings: [warning('put')], rawStatus: 404 });
    expect((await call('create', 'foo', { body: { a: 1 } }))?.warnings).toEqual([warning('put')]);
    expect((await call('delete', 'foo'))?.warnings).toEqual([warning('delete')]);
    expect((await call('patch', 'foo'))?.warnings).toEqual([warning('patch')]);
    expect((await call('list', 'foo/'))?.warnings).toEqual([warning('list')]);
    expect((await call('read', 'data/'))?.warnings).toEqual([warning('get')]);
  });

  it('When the root of a v2 sub-path is used, then 404 with the root warning', async () => {
    const { call } = v2();
    const res = await call('read', 'data');
    expect(res).toEqual({
      data: null,
      warnings: ['Non-listing operations on the root of a K/V v2 mount are not supported.'],
      rawStatus: 404,
    });
  });

  it('When an operation a path does not take is used, then 405', async () => {
    const { call } = v2();
    expect((await errorOf(call('delete', 'config'))).options.plain).toBe(true);
    // LIST gets a trailing "/", so data/x/ is no data path at all: the warning.
    expect((await call('list', 'data/x'))?.warnings).toEqual([warning('list')]);
    expect((await errorOf(call('read', 'destroy/x'))).message).toBe('unsupported operation');
  });
});
