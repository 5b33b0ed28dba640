import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Acl, parsePolicy, defaultPolicy, type Operation, type Policy } from '../../src/vault-policy';

/**
 * The shipped policies in vault-policies/: each one parses as Vault would parse it, and the
 * ACL built from it has the properties the security model relies on.
 */

const DIR = join(__dirname, '..', '..', 'vault-policies');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.hcl'));

function load(file: string): Policy {
  return parsePolicy(file.replace(/\.hcl$/, ''), readFileSync(join(DIR, file), 'utf8'));
}

const OPS: Operation[] = ['read', 'list', 'create', 'update', 'patch', 'delete'];
const WRITE_OPS: Operation[] = ['create', 'update', 'patch', 'delete'];

const name = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,15}$/);
const subPath = fc.array(name, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));
/** Any path at all, from a vocabulary that includes the interesting mounts and exact rule paths. */
const randomPath = fc
  .tuple(
    fc.constantFrom('secret/data', 'secret/metadata', 'secret', 'auth/approle/role', 'auth/token', 'sys', 'broker/actions', 'cubbyhole', 'x'),
    subPath,
  )
  .map(([mount, rest]) => `${mount}/${rest}`);
const anyPath = fc.oneof(
  randomPath,
  fc.constantFrom(
    'broker/actions/echo',
    'broker/actions/echo/',
    'auth/approle/role/endpoint-demo/secret-id',
    'auth/approle/role/credential-broker/secret-id',
    'secret/data/tools/jira',
    'secret/metadata/tools/jira',
    'auth/token/lookup-self',
    'sys/capabilities-self',
  ),
);

describe('vault-policies/', () => {
  test('the shipped files are there (more endpoint-<group>.hcl files may follow)', () => {
    expect(FILES).toEqual(
      expect.arrayContaining(['bigfix-operator.hcl', 'broker.hcl', 'endpoint-demo.hcl', 'security-admin.hcl']),
    );
  });

  test.each(FILES)('%s parses and opens with a comment saying who it is for', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    expect(text.split('\n')[0]).toMatch(new RegExp(`^# ${file.replace('.', '\\.')}: .+`));
    expect(text).toMatch(/^# Who: /m);
    expect(text).toMatch(/^# Why: /m);
    const policy = load(file);
    expect(policy.rules.length).toBeGreaterThan(0);
  });

  test.each(FILES)('%s: every rule has a comment right above it', (file) => {
    const lines = readFileSync(join(DIR, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.startsWith('path ')) return;
      let j = i - 1;
      while (j >= 0 && lines[j].trim() === '') j--;
      // Directly preceded by a comment, or by the closing brace of a block that shares its comment.
      expect(lines[j].startsWith('#') || lines[j] === '}').toBe(true);
    });
  });
});

describe('endpoint-demo.hcl', () => {
  const endpoint = new Acl([load('endpoint-demo.hcl')]);
  // Endpoint tokens also carry Vault's default policy (needed for sys/capabilities-self).
  const endpointWithDefault = new Acl([load('endpoint-demo.hcl'), defaultPolicy()]);

  test('grants update on its action marker and nothing on other actions', () => {
    expect(endpoint.capabilities('broker/actions/echo')).toEqual(['update']);
    expect(endpoint.capabilities('broker/actions/other')).toEqual(['deny']);
    expect(endpoint.capabilities('broker/actions/echo/x')).toEqual(['deny']);
    expect(endpoint.explain('broker/actions/echo')).toMatchObject({ kind: 'exact', sources: [{ policy: 'endpoint-demo' }] });
  });

  test('with the default policy it can run the capabilities check itself', () => {
    expect(endpointWithDefault.allowOperation('sys/capabilities-self', 'update').allowed).toBe(true);
  });

  test('cannot read or touch any tool key, with or without the default policy', () => {
    fc.assert(
      fc.property(subPath, (tool) => {
        for (const acl of [endpoint, endpointWithDefault]) {
          for (const mount of ['secret/data/tools', 'secret/metadata/tools', 'secret/tools']) {
            expect(acl.capabilities(`${mount}/${tool}`)).toEqual(['deny']);
          }
          for (const op of OPS) expect(acl.allowOperation(`secret/data/tools/${tool}`, op).allowed).toBe(false);
        }
      }),
    );
  });

  test('cannot issue secret IDs or change roles or policies', () => {
    expect(endpointWithDefault.allowOperation('auth/approle/role/demo/secret-id', 'update').allowed).toBe(false);
    expect(endpointWithDefault.allowOperation('auth/approle/role/demo', 'update').allowed).toBe(false);
    expect(endpointWithDefault.allowOperation('sys/policies/acl/endpoint-demo', 'update').allowed).toBe(false);
  });

  test('grants nothing but update, and only on broker/actions/echo', () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        for (const op of OPS) {
          expect(endpoint.allowOperation(path, op).allowed).toBe(op === 'update' && path === 'broker/actions/echo');
        }
      }),
    );
  });
});

describe('bigfix-operator.hcl', () => {
  const operator = new Acl([load('bigfix-operator.hcl')]);
  const secretIdPath = 'auth/approle/role/endpoint-demo/secret-id';

  test('cannot read anything', () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        expect(operator.allowOperation(path, 'read').allowed).toBe(false);
        expect(operator.allowOperation(path, 'list').allowed).toBe(false);
        expect(operator.capabilities(path)).not.toContain('read');
      }),
    );
  });

  test('creates a secret ID for an endpoint role only when response-wrapped within 1m..24h', () => {
    expect(operator.allowOperation(secretIdPath, 'update', { wrapTtlSeconds: 300 }).allowed).toBe(true);
    expect(operator.allowOperation(secretIdPath, 'update', { wrapTtlSeconds: 60 }).allowed).toBe(true);
    expect(operator.allowOperation(secretIdPath, 'update', { wrapTtlSeconds: 86400 }).allowed).toBe(true);
    expect(operator.allowOperation(secretIdPath, 'update')).toMatchObject({ allowed: false, reason: 'wrapping-required' });
    expect(operator.allowOperation(secretIdPath, 'update', { wrapTtlSeconds: 30 }).reason).toBe('wrap-ttl-below-min');
    expect(operator.allowOperation(secretIdPath, 'update', { wrapTtlSeconds: 86401 }).reason).toBe('wrap-ttl-above-max');
  });

  test('cannot get a secret ID for the broker role, even wrapped', () => {
    const d = operator.allowOperation('auth/approle/role/credential-broker/secret-id', 'update', { wrapTtlSeconds: 300 });
    expect(d).toMatchObject({ allowed: false, reason: 'denied-by-rule' });
  });

  test('nothing else: not the role, its role-id, secret-id lookups, accessors, custom secret IDs', () => {
    for (const path of [
      'auth/approle/role/endpoint-demo',
      'auth/approle/role/endpoint-demo/role-id',
      'auth/approle/role/endpoint-demo/secret-id/lookup',
      'auth/approle/role/endpoint-demo/secret-id/destroy',
      'auth/approle/role/endpoint-demo/secret-id-accessor/destroy',
      'auth/approle/role/endpoint-demo/custom-secret-id',
      'sys/policies/acl/bigfix-operator',
    ]) {
      for (const op of OPS) expect(operator.allowOperation(path, op, { wrapTtlSeconds: 300 }).allowed).toBe(false);
    }
  });

  test('only update on a role secret-id path is ever allowed', () => {
    fc.assert(
      fc.property(anyPath, fc.integer({ min: 60, max: 86400 }), (path, wrapTtlSeconds) => {
        for (const op of OPS) {
          const allowed = operator.allowOperation(path, op, { wrapTtlSeconds }).allowed;
          if (allowed) {
            expect(op).toBe('update');
            expect(path).toMatch(/^auth\/approle\/role\/[^/]+\/secret-id$/);
          }
        }
      }),
    );
  });
});

describe('broker.hcl', () => {
  const broker = new Acl([load('broker.hcl')]);

  test('reads the tool keys and their metadata, nothing more on them', () => {
    expect(broker.capabilities('secret/data/tools/jira')).toEqual(['read']);
    expect(broker.capabilities('secret/metadata/tools/jira')).toEqual(['read']);
    for (const op of WRITE_OPS) expect(broker.allowOperation('secret/data/tools/jira', op).allowed).toBe(false);
  });

  test('reads no other secret (and not secret/data/toolsX, the prefix-glob trap)', () => {
    expect(broker.capabilities('secret/data/other/x')).toEqual(['deny']);
    expect(broker.capabilities('secret/data/toolsX/x')).toEqual(['deny']);
    expect(broker.capabilities('secret/data/tools')).toEqual(['deny']);
  });

  test('manages its own token', () => {
    expect(broker.allowOperation('auth/token/lookup-self', 'read').allowed).toBe(true);
    expect(broker.allowOperation('auth/token/renew-self', 'update').allowed).toBe(true);
    expect(broker.allowOperation('auth/token/revoke-self', 'update').allowed).toBe(true);
  });

  test('cannot write policies, through either API', () => {
    fc.assert(
      fc.property(name, (policyName) => {
        for (const path of [`sys/policies/acl/${policyName}`, `sys/policy/${policyName}`]) {
          for (const op of WRITE_OPS) expect(broker.allowOperation(path, op).allowed).toBe(false);
        }
      }),
    );
  });

  test('has nothing endpoint-facing: no action markers, no secret IDs, no role changes', () => {
    fc.assert(
      fc.property(name, (x) => {
        expect(broker.capabilities(`broker/actions/${x}`)).toEqual(['deny']);
        expect(broker.capabilities(`auth/approle/role/${x}/secret-id`)).toEqual(['deny']);
        expect(broker.capabilities(`auth/approle/role/${x}`)).toEqual(['deny']);
      }),
    );
  });
});

describe('security-admin.hcl', () => {
  const admin = new Acl([load('security-admin.hcl')]);

  test.each<[string, Operation]>([
    ['sys/auth/approle', 'create'],
    ['sys/mounts/secret', 'create'],
    ['sys/policies/acl/endpoint-demo', 'create'],
    ['sys/policies/acl/endpoint-demo', 'update'],
    ['sys/policies/acl/endpoint-demo', 'delete'],
    ['sys/policies/acl/', 'list'],
    ['sys/policy/endpoint-demo', 'update'],
    ['auth/approle/role/endpoint-demo', 'create'],
    ['auth/approle/role/endpoint-demo', 'update'],
    ['auth/approle/role/endpoint-demo/role-id', 'read'],
    ['auth/approle/role/endpoint-demo/secret-id', 'update'],
    ['auth/approle/role/endpoint-demo/secret-id/', 'list'],
    ['auth/approle/role/endpoint-demo/secret-id-accessor/destroy', 'update'],
    ['auth/approle/role/', 'list'],
    ['secret/data/tools/jira', 'create'],
    ['secret/data/tools/jira', 'update'],
    ['secret/data/tools/jira', 'read'],
    ['secret/metadata/tools/', 'list'],
    ['secret/destroy/tools/jira', 'update'],
  ])('%s: %s allowed', (path, op) => {
    expect(admin.allowOperation(path, op).allowed).toBe(true);
  });

  test('enabling an auth method is root-protected: the rule carries sudo', () => {
    expect(admin.allowOperation('sys/auth/approle', 'create').sudo).toBe(true);
  });

  test('reads no secrets outside secret/tools/ and cannot touch seal or audit', () => {
    expect(admin.capabilities('secret/data/payroll/db')).toEqual(['deny']);
    expect(admin.capabilities('sys/seal')).toEqual(['deny']);
    expect(admin.capabilities('sys/audit/file')).toEqual(['deny']);
    expect(admin.capabilities('sys/auth/userpass')).toEqual(['deny']);
  });
});
