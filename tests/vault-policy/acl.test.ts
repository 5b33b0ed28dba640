import {
  Acl,
  AclBuildError,
  parsePolicy,
  defaultPolicy,
  responseWrappingPolicy,
  rootPolicy,
  type Operation,
} from '../../src/vault-policy';

/** An ACL from policies given as name → HCL text. */
function acl(policies: Record<string, string>): Acl {
  return new Acl(Object.entries(policies).map(([name, text]) => parsePolicy(name, text)));
}

function rule(pattern: string, ...caps: string[]): string {
  return `path "${pattern}" { capabilities = [${caps.map((c) => `"${c}"`).join(', ')}] }\n`;
}

describe('§6.4 matching: table', () => {
  // Each row: policies, request path, expected sys/capabilities answer, and the pattern that decides.
  const cases: { name: string; policies: Record<string, string>; path: string; caps: string[]; pattern: string | null }[] =
    [
      {
        name: 'exact match',
        policies: { p: rule('secret/foo', 'read') },
        path: 'secret/foo',
        caps: ['read'],
        pattern: 'secret/foo',
      },
      {
        name: 'an exact rule does not match a longer path',
        policies: { p: rule('secret/foo', 'read') },
        path: 'secret/foo/bar',
        caps: ['deny'],
        pattern: null,
      },
      {
        name: 'exact beats glob, even a broader grant',
        policies: { p: rule('secret/*', 'create', 'read', 'update', 'delete', 'list') + rule('secret/foo', 'read') },
        path: 'secret/foo',
        caps: ['read'],
        pattern: 'secret/foo',
      },
      {
        name: 'exact beats glob across policies',
        policies: { broad: rule('secret/*', 'update'), narrow: rule('secret/foo', 'list') },
        path: 'secret/foo',
        caps: ['list'],
        pattern: 'secret/foo',
      },
      {
        name: 'quirk: secret/foo* matches secret/food',
        policies: { p: rule('secret/foo*', 'read') },
        path: 'secret/food',
        caps: ['read'],
        pattern: 'secret/foo*',
      },
      {
        name: 'secret/foo* matches secret/foo/bar',
        policies: { p: rule('secret/foo*', 'read') },
        path: 'secret/foo/bar',
        caps: ['read'],
        pattern: 'secret/foo*',
      },
      {
        name: 'secret/foo* matches secret/foo itself',
        policies: { p: rule('secret/foo*', 'read') },
        path: 'secret/foo',
        caps: ['read'],
        pattern: 'secret/foo*',
      },
      {
        name: 'the longest prefix wins',
        policies: { p: rule('secret/*', 'read') + rule('secret/app/*', 'update') },
        path: 'secret/app/key',
        caps: ['update'],
        pattern: 'secret/app/*',
      },
      {
        name: 'no union across different patterns (a broad read is not added to the narrower rule)',
        policies: { a: rule('secret/*', 'read', 'list'), b: rule('secret/app/*', 'update') },
        path: 'secret/app/key',
        caps: ['update'],
        pattern: 'secret/app/*',
      },
      {
        name: 'the same pattern in two policies: union',
        policies: { a: rule('secret/app/*', 'read'), b: rule('secret/app/*', 'list', 'update') },
        path: 'secret/app/x',
        caps: ['list', 'read', 'update'],
        pattern: 'secret/app/*',
      },
      {
        name: 'deny in a merged pattern wins (deny first)',
        policies: { a: rule('secret/app/*', 'deny'), b: rule('secret/app/*', 'read') },
        path: 'secret/app/x',
        caps: ['deny'],
        pattern: 'secret/app/*',
      },
      {
        name: 'deny in a merged pattern wins (deny last)',
        policies: { a: rule('secret/app/*', 'read', 'sudo'), b: rule('secret/app/*', 'deny') },
        path: 'secret/app/x',
        caps: ['deny'],
        pattern: 'secret/app/*',
      },
      {
        name: 'deny in a repeated block of the same policy wins',
        policies: { a: rule('secret/app', 'read') + rule('secret/app', 'deny') },
        path: 'secret/app',
        caps: ['deny'],
        pattern: 'secret/app',
      },
      {
        name: 'a narrower deny overrides a broad grant',
        policies: { a: rule('secret/*', 'read'), b: rule('secret/locked', 'deny') },
        path: 'secret/locked',
        caps: ['deny'],
        pattern: 'secret/locked',
      },
      {
        name: 'a broad deny does not beat a narrower grant (no union across patterns)',
        policies: { a: rule('secret/*', 'deny'), b: rule('secret/open/*', 'read') },
        path: 'secret/open/x',
        caps: ['read'],
        pattern: 'secret/open/*',
      },
      {
        name: '+ matches exactly one segment',
        policies: { p: rule('secret/+/config', 'read') },
        path: 'secret/app/config',
        caps: ['read'],
        pattern: 'secret/+/config',
      },
      {
        name: '+ without * needs the same number of segments (longer path)',
        policies: { p: rule('secret/+/config', 'read') },
        path: 'secret/app/config/extra',
        caps: ['deny'],
        pattern: null,
      },
      {
        name: 'quirk: + never matches a shorter path',
        policies: { p: rule('secret/+/config', 'read') },
        path: 'secret/app',
        caps: ['deny'],
        pattern: null,
      },
      {
        name: 'quirk: + with a trailing * still never matches a shorter path',
        policies: { p: rule('secret/+/*', 'read') },
        path: 'secret/app',
        caps: ['deny'],
        pattern: null,
      },
      {
        name: '+ with a trailing * matches longer paths',
        policies: { p: rule('secret/+/conf*', 'read') },
        path: 'secret/app/config/deeper',
        caps: ['read'],
        pattern: 'secret/+/conf*',
      },
      {
        name: '+ matches an empty segment',
        policies: { p: rule('secret/+/config', 'read') },
        path: 'secret//config',
        caps: ['read'],
        pattern: 'secret/+/config',
      },
      {
        name: 'priority 1: the later first wildcard wins (secret/a* over secret/+)',
        policies: { p: rule('secret/+', 'update') + rule('secret/a*', 'read') },
        path: 'secret/abc',
        caps: ['read'],
        pattern: 'secret/a*',
      },
      {
        name: 'priority 1: foo/bar/+/baz over foo/+/bar/baz',
        policies: { p: rule('foo/+/bar/baz', 'update') + rule('foo/bar/+/baz', 'read') },
        path: 'foo/bar/bar/baz',
        caps: ['read'],
        pattern: 'foo/bar/+/baz',
      },
      {
        name: 'priority 2: foo/+ over foo/* (same position, not a prefix wins)',
        policies: { p: rule('foo/*', 'update') + rule('foo/+', 'read') },
        path: 'foo/x',
        caps: ['read'],
        pattern: 'foo/+',
      },
      {
        name: 'priority 2: foo/+/bar over foo/+/ba*',
        policies: { p: rule('foo/+/ba*', 'update') + rule('foo/+/bar', 'read') },
        path: 'foo/x/bar',
        caps: ['read'],
        pattern: 'foo/+/bar',
      },
      {
        name: 'priority 3: fewer + segments win (foo/+/bar/baz over foo/+/+/baz)',
        policies: { p: rule('foo/+/+/baz', 'update') + rule('foo/+/bar/baz', 'read') },
        path: 'foo/x/bar/baz',
        caps: ['read'],
        pattern: 'foo/+/bar/baz',
      },
      {
        name: 'priority 4: the longer pattern wins (foo/+/bar/ba* over foo/+/bar/b*)',
        policies: { p: rule('foo/+/bar/b*', 'update') + rule('foo/+/bar/ba*', 'read') },
        path: 'foo/x/bar/baz',
        caps: ['read'],
        pattern: 'foo/+/bar/ba*',
      },
      {
        name: 'priority 5: lexicographically larger wins (a/+/b/+ over a/+/+/c)',
        policies: { p: rule('a/+/+/c', 'update') + rule('a/+/b/+', 'read') },
        path: 'a/x/b/c',
        caps: ['read'],
        pattern: 'a/+/b/+',
      },
      {
        name: 'a + rule beats a shorter * prefix by priority 1',
        policies: { p: rule('auth/*', 'read') + rule('auth/approle/role/+/secret-id', 'update') },
        path: 'auth/approle/role/web/secret-id',
        caps: ['update'],
        pattern: 'auth/approle/role/+/secret-id',
      },
      {
        name: 'only the longest * prefix competes with + rules',
        policies: { p: rule('a/*', 'list') + rule('a/b/*', 'read') + rule('a/+/c', 'update') },
        path: 'a/b/c',
        caps: ['read'],
        pattern: 'a/b/*',
      },
      {
        name: 'a rule granting nothing still wins and denies',
        policies: { p: rule('secret/*', 'read') + 'path "secret/empty" {}\n' },
        path: 'secret/empty',
        caps: ['deny'],
        pattern: 'secret/empty',
      },
      {
        name: 'no rule at all: deny',
        policies: { p: rule('secret/*', 'read') },
        path: 'other/x',
        caps: ['deny'],
        pattern: null,
      },
      {
        name: 'a leading / on the request path is ignored',
        policies: { p: rule('secret/foo', 'read') },
        path: '//secret/foo',
        caps: ['read'],
        pattern: 'secret/foo',
      },
      {
        name: '* alone matches everything',
        policies: { p: rule('*', 'read') },
        path: 'anything/at/all',
        caps: ['read'],
        pattern: '*',
      },
    ];

  test.each(cases)('$name', ({ policies, path, caps, pattern }) => {
    const a = acl(policies);
    expect(a.capabilities(path)).toEqual(caps);
    expect(a.explain(path)?.matchedPattern ?? null).toBe(pattern);
  });
});

describe('allowOperation', () => {
  const ops: Operation[] = ['read', 'list', 'create', 'update', 'patch', 'delete'];

  test.each(ops)('each operation needs its own capability: %s', (op) => {
    const only = acl({ p: rule('x', op) });
    for (const other of ops) expect(only.allowOperation('x', other).allowed).toBe(other === op);
  });

  test('a decision names the pattern, its capabilities and the reason for a refusal', () => {
    const a = acl({ p: rule('secret/data/*', 'read') });
    expect(a.allowOperation('secret/data/x', 'read')).toEqual({
      allowed: true,
      sudo: false,
      matchedPattern: 'secret/data/*',
      capabilities: ['read'],
    });
    expect(a.allowOperation('secret/data/x', 'update')).toMatchObject({ allowed: false, reason: 'capability-missing' });
    expect(a.allowOperation('other', 'read')).toEqual({
      allowed: false,
      sudo: false,
      matchedPattern: null,
      capabilities: [],
      reason: 'no-matching-rule',
    });
  });

  test('deny wins inside the rule', () => {
    const a = acl({ a: rule('x', 'read'), b: rule('x', 'deny') });
    expect(a.allowOperation('x', 'read')).toMatchObject({ allowed: false, reason: 'denied-by-rule', capabilities: ['deny'] });
  });

  test('sudo is reported from the matched rule only', () => {
    const a = acl({ p: rule('sys/*', 'read', 'sudo') + rule('sys/mounts', 'read') });
    expect(a.allowOperation('sys/auth', 'read').sudo).toBe(true);
    expect(a.allowOperation('sys/mounts', 'read').sudo).toBe(false);
  });

  test('LIST retries the exact lookup without the trailing slash', () => {
    const a = acl({ p: rule('secret/metadata/app', 'list') });
    expect(a.allowOperation('secret/metadata/app/', 'list').allowed).toBe(true);
    expect(a.allowOperation('secret/metadata/app/', 'read').allowed).toBe(false);
  });

  test('LIST with a trailing slash tries the glob rules without the slash first', () => {
    const a = acl({ p: rule('secret/foo*', 'list', 'read') + rule('secret/foo/*', 'deny') });
    expect(a.allowOperation('secret/foo/', 'list')).toMatchObject({ allowed: true, matchedPattern: 'secret/foo*' });
    expect(a.allowOperation('secret/foo/', 'read')).toMatchObject({ allowed: false, matchedPattern: 'secret/foo/*' });
  });

  test('capabilities() looks paths up the LIST way', () => {
    const a = acl({ p: rule('secret/metadata/app', 'list', 'read') });
    expect(a.capabilities('secret/metadata/app/')).toEqual(['list', 'read']);
  });

  describe('wrapping TTL bounds', () => {
    const a = acl({
      op: 'path "auth/approle/role/+/secret-id" { capabilities = ["update"] min_wrapping_ttl = "10s" max_wrapping_ttl = "5m" }',
    });
    const path = 'auth/approle/role/web/secret-id';

    test.each([
      [undefined, false, 'wrapping-required'],
      [0, false, 'wrapping-required'],
      [5, false, 'wrap-ttl-below-min'],
      [10, true, undefined],
      [120, true, undefined],
      [300, true, undefined],
      [301, false, 'wrap-ttl-above-max'],
    ])('wrap TTL %s → allowed %s', (wrapTtlSeconds, allowed, reason) => {
      const d = a.allowOperation(path, 'update', wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds });
      expect(d.allowed).toBe(allowed);
      expect(d.reason).toBe(reason);
      expect(d).toMatchObject({ minWrappingTtlSeconds: 10, maxWrappingTtlSeconds: 300 });
    });

    test('merged blocks keep the lesser minimum and the lesser maximum', () => {
      const merged = acl({
        a: 'path "x" { capabilities = ["update"] min_wrapping_ttl = 30 max_wrapping_ttl = 600 }',
        b: 'path "x" { capabilities = ["update"] min_wrapping_ttl = 10 max_wrapping_ttl = 300 }',
      });
      expect(merged.allowOperation('x', 'update', { wrapTtlSeconds: 20 })).toMatchObject({
        allowed: true,
        minWrappingTtlSeconds: 10,
        maxWrappingTtlSeconds: 300,
      });
      expect(merged.allowOperation('x', 'update', { wrapTtlSeconds: 400 }).allowed).toBe(false);
    });

    test('merging can produce min > max, which refuses everything', () => {
      const merged = acl({
        a: 'path "x" { capabilities = ["update"] min_wrapping_ttl = 100 }',
        b: 'path "x" { capabilities = ["update"] max_wrapping_ttl = 50 }',
      });
      expect(merged.allowOperation('x', 'update', { wrapTtlSeconds: 50 }).reason).toBe('wrap-ttl-below-min');
      expect(merged.allowOperation('x', 'update', { wrapTtlSeconds: 100 }).reason).toBe('wrap-ttl-above-max');
    });
  });

  describe('parameter constraints', () => {
    const a = acl({
      p: `path "auth/approle/role/+/secret-id" {
            capabilities = ["update", "read"]
            allowed_parameters = { "metadata" = [] "cidr_list" = ["10.*", "192.168.1.0/24"] "ttl" = [] }
            denied_parameters = { "num_uses" = [0] }
            required_parameters = ["metadata"]
          }`,
    });
    const path = 'auth/approle/role/web/secret-id';
    const check = (data: Record<string, unknown>) => a.allowOperation(path, 'update', { data });

    test.each([
      [{ metadata: '{}' }, true, undefined],
      [{ metadata: '{}', cidr_list: '10.1.2.0/24' }, true, undefined],
      [{ metadata: '{}', cidr_list: '10.1.2.0/24,192.168.1.0/24' }, true, undefined],
      [{ metadata: '{}', cidr_list: ['10.1.2.0/24', '172.16.0.0/12'] }, false, 'parameter-not-allowed'],
      [{ metadata: '{}', cidr_list: '172.16.0.0/12' }, false, 'parameter-not-allowed'],
      [{ metadata: '{}', token_ttl: 5 }, false, 'parameter-not-allowed'],
      [{ metadata: '{}', num_uses: 0 }, false, 'parameter-denied'],
      [{ cidr_list: '10.0.0.0/8' }, false, 'required-parameter-missing'],
      [{ METADATA: '{}' }, false, 'required-parameter-missing'],
    ])('%j → allowed %s', (data, allowed, reason) => {
      const d = check(data);
      expect(d.allowed).toBe(allowed);
      expect(d.reason).toBe(reason);
    });

    test('parameters do not apply to delete or list', () => {
      const b = acl({ p: 'path "x" { capabilities = ["delete"] required_parameters = ["a"] }' });
      expect(b.allowOperation('x', 'delete').allowed).toBe(true);
    });

    test('denied_parameters "*" refuses any parameter, but not an empty body', () => {
      const b = acl({ p: 'path "x" { capabilities = ["update"] denied_parameters = { "*" = [] } }' });
      expect(b.allowOperation('x', 'update', { data: { a: 1 } }).reason).toBe('parameter-denied');
      expect(b.allowOperation('x', 'update', { data: {} }).allowed).toBe(true);
    });
  });
});

describe('root, default and response-wrapping', () => {
  test('root short-circuits everything', () => {
    const root = Acl.root();
    expect(root.isRoot).toBe(true);
    expect(root.capabilities('anything')).toEqual(['root']);
    expect(root.allowOperation('sys/seal', 'update')).toMatchObject({ allowed: true, sudo: true });
    expect(root.explain('x')?.kind).toBe('root');
    expect(new Acl([rootPolicy()]).isRoot).toBe(true);
  });

  test('root mixed with other policies is refused, as Vault refuses it', () => {
    expect(() => new Acl([rootPolicy(), defaultPolicy()])).toThrow(AclBuildError);
    expect(() => new Acl([rootPolicy(), defaultPolicy()])).toThrow('other policies present along with root');
  });

  test('the default policy', () => {
    const a = new Acl([defaultPolicy()]);
    expect(a.isRoot).toBe(false);
    expect(a.capabilities('sys/capabilities-self')).toEqual(['update']);
    expect(a.capabilities('auth/token/lookup-self')).toEqual(['read']);
    expect(a.capabilities('cubbyhole/anything/deep')).toEqual(['create', 'delete', 'list', 'read', 'update']);
    expect(a.capabilities('identity/oidc/provider/p1/authorize')).toEqual(['read', 'update']);
    expect(a.capabilities('secret/data/x')).toEqual(['deny']);
    // Templated paths need an identity entity, which devvault does not model: dropped, as Vault does.
    expect(a.capabilities('identity/entity/id/{{identity.entity.id}}')).toEqual(['deny']);
  });

  test('the response-wrapping policy allows only its two paths', () => {
    const a = new Acl([responseWrappingPolicy()]);
    expect(a.allowOperation('cubbyhole/response', 'read').allowed).toBe(true);
    expect(a.allowOperation('cubbyhole/response', 'create').allowed).toBe(true);
    expect(a.allowOperation('cubbyhole/response', 'update').allowed).toBe(false);
    expect(a.allowOperation('sys/wrapping/unwrap', 'update').allowed).toBe(true);
    expect(a.allowOperation('cubbyhole/wrapinfo', 'read').allowed).toBe(false);
    expect(a.allowOperation('sys/wrapping/lookup', 'update').allowed).toBe(false);
  });
});

describe('explain', () => {
  test('names the kind, the pattern and every policy merged into it', () => {
    const a = acl({
      'endpoint-demo': rule('broker/actions/echo', 'update'),
      extra: rule('broker/actions/echo', 'read'),
      broad: rule('broker/actions/*', 'list'),
    });
    expect(a.explain('broker/actions/echo')).toEqual({
      path: 'broker/actions/echo',
      matchedPattern: 'broker/actions/echo',
      kind: 'exact',
      capabilities: ['read', 'update'],
      sources: [
        { policy: 'endpoint-demo', capabilities: ['update'] },
        { policy: 'extra', capabilities: ['read'] },
      ],
    });
    expect(a.explain('broker/actions/other')).toMatchObject({ kind: 'prefix', matchedPattern: 'broker/actions/*' });
  });

  test('segment kind', () => {
    const a = acl({ p: rule('broker/actions/+', 'update') });
    expect(a.explain('broker/actions/echo')).toMatchObject({ kind: 'segment', matchedPattern: 'broker/actions/+' });
  });

  test('deny-overridden: the grant and the deny are both listed, the result is deny', () => {
    const a = acl({ grant: rule('broker/actions/wipe', 'update'), freeze: rule('broker/actions/wipe', 'deny') });
    expect(a.explain('broker/actions/wipe')).toEqual({
      path: 'broker/actions/wipe',
      matchedPattern: 'broker/actions/wipe',
      kind: 'exact',
      capabilities: ['deny'],
      sources: [
        { policy: 'grant', capabilities: ['update'] },
        { policy: 'freeze', capabilities: ['deny'] },
      ],
    });
  });

  test('null when no rule matches', () => {
    expect(acl({ p: rule('a', 'read') }).explain('b')).toBeNull();
  });
});
