/**
 * `credential-broker check-config` as a real child process: a good file exits 0; a bad
 * one reports every problem at once, each with its path, and exits 2. The example in
 * examples/broker.yaml (which uses every key) and the docker-compose one are checked
 * here, so they cannot rot.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv, ensureBuilt, ROOT, runCli } from '../support/cli';

let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'check-config-'));
}, 120_000);

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const GOOD = `
vault:
  address: http://127.0.0.1:8200
  broker_auth: { method: approle, role_id: { file: role_id }, secret_id: { env: BROKER_SECRET_ID } }
targets:
  demo:
    base_url: http://127.0.0.1:9000
    credential: { ref: "secret/data/tools/demo#api_key", inject: { type: bearer } }
actions:
  echo:
    target: demo
    method: POST
    path: /echo
    parameters: { message: { type: string, min_length: 1, max_length: 200 } }
    body: { message: "{message}" }
    result: [message]
`;

describe('credential-broker check-config', () => {
  test('When the example config (every key) is checked without references, then exit 0 and a summary', async () => {
    const run = await runCli(['check-config', '--config', join(ROOT, 'examples', 'broker.yaml'), '--no-references']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/examples\/broker\.yaml: ok \(4 targets, 4 actions\)/);
  });

  test('When the docker-compose config is checked without references, then exit 0', async () => {
    const run = await runCli(['check-config', '--config', join(ROOT, 'examples', 'compose.yaml'), '--no-references']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
  });

  test('When a good config names files and variables that exist, then exit 0', async () => {
    file('role_id', 'a-role-id\n');
    const path = file('good.yaml', GOOD);
    const run = await runCli(['check-config', '--config', path], childEnv({ BROKER_SECRET_ID: 'set-in-the-environment' }));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${path}: ok (1 target, 1 action)\n`);
  });

  test('When a config has many problems, then every one is reported at once with its path, and the exit code is 2', async () => {
    const path = file(
      'bad.yaml',
      `
listen: { host: 0.0.0.0, port: 70000 }
vault:
  address: vault.example:8200
  broker_auth: { method: approle, role_id: { file: x, env: Y }, secret_id: { value: inline-secret } }
key_cache_seconds: -1
targets:
  demo:
    base_url: http://tool.example.com/api?x=1
    credential: { ref: "tools/demo", inject: { type: header, name: Host } }
actions:
  echo:
    target: nowhere
    method: FETCH
    path: /echo/{id}
    parameters: { message: { type: string, min_length: 5, max_length: 2 } }
    body: { message: "{msg}" }
  Bad Name:
    target: demo
    method: GET
    path: /x
endpoint_groups:
  ops: { actions: [echo, reboot] }
surprise: true
`,
    );
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const reported = run.stderr
      .split('\n')
      .filter((l) => l.startsWith('  - '))
      .map((l) => l.slice(4, l.indexOf(': ')));
    const expected = [
      '(root)', // surprise
      'listen.port',
      'listen.tls',
      'vault.address',
      'vault.broker_auth.role_id',
      'vault.broker_auth.secret_id',
      'key_cache_seconds',
      'targets.demo.base_url',
      'targets.demo.credential.ref',
      'targets.demo.credential.inject.name',
      'actions.echo.target',
      'actions.echo.method',
      'actions.echo.path',
      'actions.echo.body',
      'actions.echo.parameters.message.min_length',
      'actions.Bad Name',
      'endpoint_groups.ops.actions[1]',
    ];
    for (const p of expected) expect(reported).toContain(p);
    expect(run.stderr).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: \\d+ problems:`));
    // The inline secret is refused by name, and never echoed back.
    expect(run.stderr).not.toContain('inline-secret');
  });

  test('When the YAML does not parse, then the line and column are reported, exit 2', async () => {
    const path = file('broken.yaml', 'vault:\n  address: [unclosed\ntargets: {}\n');
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\(yaml line \d+, column \d+\)/);
  });

  test('When the files and variables the config names are missing, then each is reported; --no-references skips them', async () => {
    const path = file('refs.yaml', GOOD.replace('role_id: { file: role_id }', 'role_id: { file: no-such-file }'));
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`vault.broker_auth.role_id: file ${join(dir, 'no-such-file')} is missing or not readable`);
    expect(run.stderr).toContain('vault.broker_auth.secret_id: environment variable BROKER_SECRET_ID is not set');
    const skipped = await runCli(['check-config', '--config', path, '--no-references']);
    expect(skipped.code).toBe(0);
  });

  test('When the file does not exist or --config is missing, then exit 2', async () => {
    const missing = await runCli(['check-config', '--config', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('(file): cannot read');
    const noFlag = await runCli(['check-config']);
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toContain("required option '--config <file>' not specified");
  });
});
