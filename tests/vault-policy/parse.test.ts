import {
  parsePolicy,
  PolicyParseError,
  DEFAULT_POLICY_TEXT,
  RESPONSE_WRAPPING_POLICY_NAME,
  RESPONSE_WRAPPING_POLICY_TEXT,
  defaultPolicy,
  responseWrappingPolicy,
  type PathRule,
} from '../../src/vault-policy';

function rules(text: string): PathRule[] {
  return parsePolicy('p', text).rules;
}

function parseError(text: string): string {
  try {
    parsePolicy('p', text);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyParseError);
    expect((err as Error).name).toBe('PolicyParseError');
    return (err as Error).message;
  }
  throw new Error('expected a PolicyParseError');
}

describe('parsePolicy: shapes', () => {
  test('a plain path block becomes an exact rule', () => {
    expect(rules('path "secret/data/app" { capabilities = ["read", "list"] }')).toEqual([
      {
        pattern: 'secret/data/app',
        path: 'secret/data/app',
        capabilities: ['read', 'list'],
        isPrefix: false,
        hasSegmentWildcard: false,
        templated: false,
        policy: 'p',
      },
    ]);
  });

  test('a trailing * makes a prefix rule and is stripped from the internal path', () => {
    const [r] = rules('path "secret/foo*" { capabilities = ["read"] }');
    expect(r).toMatchObject({ pattern: 'secret/foo*', path: 'secret/foo', isPrefix: true, hasSegmentWildcard: false });
  });

  test.each([
    ['secret/+/config', true, false],
    ['+', true, false],
    ['+/foo', true, false],
    ['secret/+/data/*', true, false],
    ['secret/a+b', false, false],
    ['secret/*', false, true],
  ])('pattern %s: segment wildcard %s, plain prefix %s', (pattern, segment, prefix) => {
    const [r] = rules(`path "${pattern}" { capabilities = ["read"] }`);
    expect(r.hasSegmentWildcard).toBe(segment);
    expect(r.isPrefix).toBe(prefix);
    // A segment-wildcard pattern keeps its trailing * in Vault's internal key.
    expect(r.path).toBe(prefix ? pattern.slice(0, -1) : pattern);
  });

  test('a leading / is removed', () => {
    expect(rules('path "/secret/x" { capabilities = ["read"] }')[0].pattern).toBe('secret/x');
  });

  test('repeated path blocks are kept as separate rules, in order', () => {
    const r = rules(`
      path "secret/a" { capabilities = ["read"] }
      path "secret/a" { capabilities = ["list"] }
    `);
    expect(r.map((x) => [x.pattern, x.capabilities])).toEqual([
      ['secret/a', ['read']],
      ['secret/a', ['list']],
    ]);
  });

  test('capabilities are deduplicated and repeated capabilities keys are appended, as the HCL decoder does', () => {
    const [r] = rules('path "a" {\n capabilities = ["read", "read", "list"]\n capabilities = ["update", "list"]\n}');
    expect(r.capabilities).toEqual(['read', 'list', 'update']);
  });

  test.each(['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'subscribe', 'recover'])(
    'capability %s is accepted',
    (cap) => {
      expect(rules(`path "a" { capabilities = ["${cap}"] }`)[0].capabilities).toEqual([cap]);
    },
  );

  test('an empty block is a rule that grants nothing', () => {
    expect(rules('path "a" {}')[0].capabilities).toEqual([]);
  });

  test('comments, commas and a top-level name are accepted', () => {
    const r = rules(`
      # hash comment
      // slash comment
      /* block
         comment */
      name = "ignored"
      path "a" {
        comment = "why this rule exists"
        capabilities = ["read", # trailing comment
                        "list",]
      }
    `);
    expect(r[0].capabilities).toEqual(['read', 'list']);
  });

  test('the policy name is normalised like Vault does (trimmed, lower case); raw is the text', () => {
    const text = 'path "a" { capabilities = ["read"] }';
    const p = parsePolicy('  My-Policy ', text);
    expect(p.name).toBe('my-policy');
    expect(p.raw).toBe(text);
    expect(p.rules[0].policy).toBe('my-policy');
  });

  test('empty text is a policy without rules', () => {
    expect(parsePolicy('p', '').rules).toEqual([]);
  });

  test('templated paths are marked', () => {
    const r = rules('path "identity/entity/id/{{identity.entity.id}}" { capabilities = ["read"] }');
    expect(r[0].templated).toBe(true);
    expect(rules('path "a/}}" { capabilities = ["read"] }')[0].templated).toBe(false);
  });

  test.each(['a/{{identity.entity.id', 'a/}}/{{identity.entity.id}}', 'a/{{x}}}}'])(
    'unbalanced templating in %s is refused',
    (pattern) => {
      expect(parseError(`path "${pattern}" { capabilities = ["read"] }`)).toBe(
        'failed to parse policy: failed to validate policy templating: unbalanced templating characters',
      );
    },
  );
});

describe('parsePolicy: deny', () => {
  test('deny makes the block deny-only', () => {
    expect(rules('path "a" { capabilities = ["read", "deny", "update"] }')[0].capabilities).toEqual(['deny']);
  });

  test('a deny block ignores its other settings, as Vault stops at deny', () => {
    const [r] = rules('path "a" { capabilities = ["deny", "bogus"] min_wrapping_ttl = "1m" }');
    expect(r.capabilities).toEqual(['deny']);
    expect(r.minWrappingTtlSeconds).toBeUndefined();
  });

  test('an invalid capability before deny is still an error', () => {
    expect(parseError('path "a" { capabilities = ["bogus", "deny"] }')).toBe(
      'failed to parse policy: path "a": invalid capability "bogus"',
    );
  });
});

describe('parsePolicy: legacy policy keyword', () => {
  test.each([
    ['read', ['read', 'list']],
    ['write', ['create', 'read', 'update', 'delete', 'list']],
    ['sudo', ['create', 'read', 'update', 'delete', 'list', 'sudo']],
    ['deny', ['deny']],
  ])('policy = "%s"', (legacy, caps) => {
    expect(rules(`path "a" { policy = "${legacy}" }`)[0].capabilities).toEqual(caps);
  });

  test('legacy policy adds to capabilities', () => {
    expect(rules('path "a" { capabilities = ["patch"] policy = "read" }')[0].capabilities).toEqual([
      'patch',
      'read',
      'list',
    ]);
  });

  test('legacy deny replaces capabilities', () => {
    expect(rules('path "a" { capabilities = ["read"] policy = "deny" }')[0].capabilities).toEqual(['deny']);
  });

  test('an unknown legacy policy is refused', () => {
    expect(parseError('path "a" { policy = "admin" }')).toBe('failed to parse policy: path "a": invalid policy "admin"');
  });
});

describe('parsePolicy: wrapping TTLs and parameters', () => {
  test.each([
    ['"1s"', 1],
    ['90', 90],
    ['"90"', 90],
    ['"5m"', 300],
    ['"1h30m"', 5400],
    ['"2d"', 172800],
    ['"1.5s"', 1.5],
  ])('min_wrapping_ttl = %s', (value, seconds) => {
    expect(rules(`path "a" { capabilities = ["update"] min_wrapping_ttl = ${value} }`)[0].minWrappingTtlSeconds).toBe(
      seconds,
    );
  });

  test('both bounds are kept', () => {
    const [r] = rules('path "a" { capabilities = ["update"] min_wrapping_ttl = "1m" max_wrapping_ttl = "15m" }');
    expect(r).toMatchObject({ minWrappingTtlSeconds: 60, maxWrappingTtlSeconds: 900 });
  });

  test('a zero bound is no bound', () => {
    const [r] = rules('path "a" { capabilities = ["update"] max_wrapping_ttl = 0 }');
    expect(r.maxWrappingTtlSeconds).toBeUndefined();
  });

  test('max below min is refused', () => {
    expect(parseError('path "a" { min_wrapping_ttl = "10m" max_wrapping_ttl = "1m" }')).toBe(
      'failed to parse policy: max_wrapping_ttl cannot be less than min_wrapping_ttl',
    );
  });

  test.each([
    ['min_wrapping_ttl = "abc"', 'error parsing min_wrapping_ttl: time: invalid duration "abc"'],
    ['max_wrapping_ttl = "5x"', 'error parsing max_wrapping_ttl: time: unknown unit "x" in duration "5x"'],
    ['min_wrapping_ttl = true', 'error parsing min_wrapping_ttl: could not parse duration from input'],
  ])('bad duration %s', (setting, message) => {
    expect(parseError(`path "a" { ${setting} }`)).toBe(`failed to parse policy: ${message}`);
  });

  test('allowed, denied and required parameters are kept, keys lower-cased', () => {
    const [r] = rules(`
      path "auth/approle/role/+/secret-id" {
        capabilities = ["update"]
        allowed_parameters = {
          "Metadata" = []
          "cidr_list" = ["10.*", "192.168.0.0/16"]
        }
        denied_parameters = { "num_uses" = [0] }
        required_parameters = ["metadata"]
      }
    `);
    expect(r.allowedParameters).toEqual({ metadata: [], cidr_list: ['10.*', '192.168.0.0/16'] });
    expect(r.deniedParameters).toEqual({ num_uses: [0] });
    expect(r.requiredParameters).toEqual(['metadata']);
  });

  test('a parameter key with a wildcard that is not at the tail is refused', () => {
    expect(parseError('path "a" { allowed_parameters = { "fo*o" = [] } }')).toBe(
      'failed to parse policy: path "a": allowed_parameters: parameter key "fo*o" cannot contain non-tail wildcards',
    );
  });
});

describe('parsePolicy: errors with Vault texts', () => {
  test('HCL syntax error', () => {
    expect(parseError('path "x" { capabilities = ["read" }')).toBe(
      'failed to parse policy: At 1:36: object expected closing RBRACE got: EOF',
    );
  });

  test('unknown top-level key, with the line of its =', () => {
    expect(parseError('path "a" { capabilities = ["read"] }\n\nfoo = "bar"')).toBe(
      'failed to parse policy: 1 error occurred:\n\t* invalid key "foo" on line 3\n\n',
    );
  });

  test('an unknown top-level block has no = so Vault reports line 0', () => {
    expect(parseError('paths "a" { capabilities = ["read"] }')).toBe(
      'failed to parse policy: 1 error occurred:\n\t* invalid key "paths" on line 0\n\n',
    );
  });

  test('unknown keys inside a path block, all of them', () => {
    expect(parseError('path "a" {\n  capabilities = ["read"]\n  capability = ["list"]\n  ttl = "1h"\n}')).toBe(
      'failed to parse policy: 2 errors occurred:\n\t* path "a": invalid key "capability" on line 3\n\t* path "a": invalid key "ttl" on line 4\n\n',
    );
  });

  test('invalid capability names the path as written', () => {
    expect(parseError('path "/secret/x" { capabilities = ["foo"] }')).toBe(
      'failed to parse policy: path "/secret/x": invalid capability "foo"',
    );
  });

  test("'+*' is forbidden", () => {
    expect(parseError('path "/secret/+*" { capabilities = ["read"] }')).toBe(
      "failed to parse policy: path \"secret/+*\": invalid use of wildcards ('+*' is forbidden)",
    );
  });

  test('capabilities must be a list', () => {
    expect(parseError('path "x" { capabilities = "read" }')).toBe(
      'failed to parse policy: path "x": At 1:27: unknown slice type: *ast.LiteralType',
    );
  });

  test('a path that is not a block', () => {
    expect(parseError('path = "x"')).toBe(
      'failed to parse policy: path "path": cannot check HCL keys of type *ast.LiteralType',
    );
  });
});

describe('parsePolicy: JSON and base64', () => {
  const hclText = `
    path "secret/data/*" { capabilities = ["read", "list"] }
    path "secret/data/locked" { capabilities = ["deny"] }
    path "auth/approle/role/+/secret-id" { capabilities = ["update"] min_wrapping_ttl = "10s" max_wrapping_ttl = 300 }
  `;
  const jsonText = JSON.stringify({
    path: {
      'secret/data/*': { capabilities: ['read', 'list'] },
      'secret/data/locked': { capabilities: ['deny'] },
      'auth/approle/role/+/secret-id': { capabilities: ['update'], min_wrapping_ttl: '10s', max_wrapping_ttl: 300 },
    },
  });

  test('a JSON policy gives the same rules as its HCL twin', () => {
    expect(rules(jsonText)).toEqual(rules(hclText));
  });

  test('JSON with a list of path objects', () => {
    const text = JSON.stringify({ path: [{ a: { capabilities: ['read'] } }, { b: { capabilities: ['list'] } }] });
    expect(rules(text).map((r) => r.pattern)).toEqual(['a', 'b']);
  });

  test('JSON unknown key inside a path', () => {
    const text = '{\n  "path": {\n    "a": {\n      "capabilities": ["read"],\n      "ttl": "1h"\n    }\n  }\n}';
    expect(parseError(text)).toBe('failed to parse policy: 1 error occurred:\n\t* path "a": invalid key "ttl" on line 5\n\n');
  });

  test('JSON syntax error', () => {
    expect(parseError('{"path" {}}')).toBe('failed to parse policy: expected: STRING got: LBRACE');
  });

  test('hashicorp/hcl leniencies are kept: a dangling key at the end is dropped', () => {
    expect(rules('path "a" { capabilities = ["read"] } name =')).toHaveLength(1);
    expect(rules('{"path": {"a": {"capabilities": ["read"], "x": }}}')[0].capabilities).toEqual(['read']);
  });

  test.each([
    ['HCL', hclText],
    ['JSON', jsonText],
  ])('base64-encoded %s is decoded first and raw holds the decoded text', (_kind, text) => {
    const encoded = Buffer.from(text, 'utf8').toString('base64');
    const p = parsePolicy('p', encoded);
    expect(p.rules).toEqual(rules(text));
    expect(p.raw).toBe(text);
  });

  test('base64 with line breaks (as `base64` prints it) is decoded too', () => {
    const encoded = Buffer.from(hclText, 'utf8').toString('base64').replace(/(.{76})/g, '$1\n');
    expect(parsePolicy('p', encoded).rules).toEqual(rules(hclText));
  });
});

describe('built-in policies', () => {
  test('the default policy parses and has the paths of reference §6.5', () => {
    const p = defaultPolicy();
    expect(p.name).toBe('default');
    expect(p.raw).toBe(DEFAULT_POLICY_TEXT);
    expect(p.rules.map((r) => r.pattern)).toEqual([
      'auth/token/lookup-self',
      'auth/token/renew-self',
      'auth/token/revoke-self',
      'sys/capabilities-self',
      'identity/entity/id/{{identity.entity.id}}',
      'identity/entity/name/{{identity.entity.name}}',
      'sys/internal/ui/resultant-acl',
      'sys/renew',
      'sys/leases/renew',
      'sys/leases/lookup',
      'cubbyhole/*',
      'sys/wrapping/wrap',
      'sys/wrapping/lookup',
      'sys/wrapping/unwrap',
      'sys/tools/hash',
      'sys/tools/hash/*',
      'sys/control-group/request',
      'identity/oidc/provider/+/authorize',
    ]);
  });

  test('the response-wrapping policy', () => {
    const p = responseWrappingPolicy();
    expect(p.name).toBe(RESPONSE_WRAPPING_POLICY_NAME);
    expect(p.raw).toBe(RESPONSE_WRAPPING_POLICY_TEXT);
    expect(p.rules.map((r) => [r.pattern, r.capabilities])).toEqual([
      ['cubbyhole/response', ['create', 'read']],
      ['sys/wrapping/unwrap', ['update']],
    ]);
  });
});
