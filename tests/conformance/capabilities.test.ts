/**
 * sys/capabilities-self, sys/capabilities, sys/capabilities-accessor (reference §7) and
 * the matching rules they expose (reference §6.4; checklist items 5 and 7).
 */
import { startTestVault, type TestVault } from '../support/vault';
import { VaultClient, unique } from '../support/vault-http';

let vault: TestVault;
let root: VaultClient;
let token: string;
let accessor: string;

beforeAll(async () => {
  vault = await startTestVault();
  root = new VaultClient(vault.addr, vault.rootToken);
  const a = unique('caps-a');
  const b = unique('caps-b');
  await root.writePolicy(
    a,
    `path "secret/data/caps/*" { capabilities = ["read", "list"] }
     path "secret/data/caps/exact" { capabilities = ["update"] }
     path "secret/data/caps/+/config" { capabilities = ["create"] }
     path "secret/data/caps/locked" { capabilities = ["deny"] }
     path "broker/actions/restart" { capabilities = ["update"] }`,
  );
  await root.writePolicy(b, 'path "secret/data/caps/exact" { capabilities = ["delete"] }');
  const auth = await root.createToken({ policies: [a, b] });
  token = auth.client_token;
  accessor = auth.accessor;
});

afterAll(() => vault.close());

describe('sys/capabilities-self', () => {
  test('When one path is asked, then data has it and "capabilities", also at the top level', async () => {
    const r = await root.post('sys/capabilities-self', { paths: ['broker/actions/restart'] }, { token });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ 'broker/actions/restart': ['update'], capabilities: ['update'] });
    expect(r.json['broker/actions/restart']).toEqual(['update']);
    expect(r.json.capabilities).toEqual(['update']);
  });

  test('When several paths are asked, then each gets its own sorted list and there is no "capabilities" key', async () => {
    const r = await root.post('sys/capabilities-self', { paths: ['secret/data/caps/a', 'secret/data/caps/exact'] }, { token });
    expect(r.json.data).toEqual({
      'secret/data/caps/a': ['list', 'read'],
      // The same pattern in two policies: capabilities are unioned.
      'secret/data/caps/exact': ['delete', 'update'],
    });
  });

  test('When an exact rule and a glob both match, then the exact rule alone decides', async () => {
    const r = await root.post('sys/capabilities-self', { paths: ['secret/data/caps/exact'] }, { token });
    expect(r.json.capabilities).not.toContain('read');
  });

  test('When a + rule and a * rule both match, then the + rule wins by the priority rules', async () => {
    const r = await root.post('sys/capabilities-self', { paths: ['secret/data/caps/app/config'] }, { token });
    expect(r.json.capabilities).toEqual(['create']);
  });

  test('When a rule denies, or nothing matches, then the answer is ["deny"]', async () => {
    const r = await root.post('sys/capabilities-self', { paths: ['secret/data/caps/locked', 'secret/data/elsewhere'] }, { token });
    expect(r.json.data['secret/data/caps/locked']).toEqual(['deny']);
    expect(r.json.data['secret/data/elsewhere']).toEqual(['deny']);
  });

  test('When the deprecated "path" field is used, then it works like "paths"', async () => {
    const r = await root.post('sys/capabilities-self', { path: 'broker/actions/restart' }, { token });
    expect(r.json.capabilities).toEqual(['update']);
  });

  test('When the root token asks, then the answer is ["root"]', async () => {
    const r = await root.post('sys/capabilities-self', { paths: ['anything/at/all'] });
    expect(r.json.capabilities).toEqual(['root']);
  });

  test('When no paths are given, then the reply is 400 "paths must be supplied"', async () => {
    const r = await root.post('sys/capabilities-self', {}, { token });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual(['paths must be supplied']);
  });
});

describe('sys/capabilities and sys/capabilities-accessor', () => {
  test('When root asks about another token, then its capabilities are reported', async () => {
    const r = await root.post('sys/capabilities', { token, paths: ['broker/actions/restart'] });
    expect(r.status).toBe(200);
    expect(r.json.capabilities).toEqual(['update']);
    expect(r.json.data['broker/actions/restart']).toEqual(['update']);
  });

  test('When the token is unknown, then the reply is 400 "invalid token"', async () => {
    const r = await root.post('sys/capabilities', { token: 'hvs.unknown000000000000000', paths: ['a'] });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain('invalid token');
  });

  test('When asked by accessor, then the same capabilities come back', async () => {
    const r = await root.post('sys/capabilities-accessor', { accessor, paths: ['secret/data/caps/x'] });
    expect(r.status).toBe(200);
    expect(r.json.capabilities).toEqual(['list', 'read']);
    expect(r.json.capabilities).toEqual(r.json.data.capabilities);
  });

  test('When the accessor is unknown, then the reply is 400', async () => {
    const r = await root.post('sys/capabilities-accessor', { accessor: 'AAAAAAAAAAAAAAAAAAAAAAAA', paths: ['a'] });
    expect(r.status).toBe(400);
    expect(r.json.errors[0]).toContain('invalid accessor');
  });
});
