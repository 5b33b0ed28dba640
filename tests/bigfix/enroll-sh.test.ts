/**
 * broker-enroll.sh run for real, under dash and bash: `configure` writes the protected
 * store, `enroll` exchanges a wrapping token issued by the operator's CLI (`secret-id
 * issue`) at the live broker's POST /v1/enroll, and broker-invoke.sh then works with
 * what was stored. Neither the wrapping token nor the secret ID is ever printed or seen
 * in a process's arguments.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoSecrets } from '../lifecycle/harness';
import { closedPort, ENROLL_SH, INVOKE_SH, privateTempDir, runScript, SHELLS, type ScriptRun } from '../support/endpoint-scripts';
import { startLiveSite, type LiveSite } from './live-site';

let site: LiveSite;
let work: string;

beforeAll(async () => {
  site = await startLiveSite();
  work = privateTempDir('enroll-sh-');
}, 60_000);

afterAll(async () => {
  if (site) expectNoSecrets(site.log.text, site.secrets);
  await site?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const mode = (p: string): number => statSync(p).mode & 0o777;

async function run(shell: string, script: string, args: string[], opts: { stdin?: string; stateDir?: string } = {}): Promise<ScriptRun> {
  const r = await runScript(shell, script, args, { env: opts.stateDir ? { BROKER_STATE_DIR: opts.stateDir } : {}, stdin: opts.stdin, psEveryMs: 15 });
  expectNoSecrets([r.stdout, r.stderr, ...r.psSamples].join('\n'), site.secrets);
  expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  return r;
}

async function configure(shell: string, stateDir: string, url = site.url, roleId = site.roleIds.fleet): Promise<ScriptRun> {
  const conf = join(work, `conf-${shell}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(conf, `broker_url=${url}\nrole_id=${roleId}\n`);
  return run(shell, ENROLL_SH, ['configure', '--conf-file', conf, '--state-dir', stateDir]);
}

describe.each(SHELLS)('broker-enroll.sh under %s', (shell) => {
  it('When the deploy task configures and the enroll task runs with a wrapping token, then the secret ID lands in a 0600 file in a 0700 store and broker-invoke works with it', async () => {
    const stateDir = join(work, `store-${shell}`);
    const conf = await configure(shell, stateDir);
    expect(conf.code).toBe(0);
    expect(conf.stdout).toBe(`credential-broker: OK configured broker_url=${site.url} ca=system\n`);
    expect(mode(stateDir)).toBe(0o700);
    expect(mode(join(stateDir, 'broker.conf'))).toBe(0o600);

    const token = await site.wrappedSecretId('fleet', ['--computer-id', '4711', '--cidr', '127.0.0.0/8']);
    const tokenFile = join(work, `token-${shell}`);
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const enroll = await run(shell, ENROLL_SH, ['enroll', '--token-file', tokenFile, '--state-dir', stateDir]);
    expect(enroll.code).toBe(0);
    expect(enroll.stdout).toMatch(/^credential-broker: OK enrolled request_id=\S+ accessor=[\w-]+ expires_at=\d{4}-\d\d-\d\dT\S+\n$/);
    // The single-use token does not linger on disk.
    expect(existsSync(tokenFile)).toBe(false);
    const secretFile = join(stateDir, 'secret_id');
    expect(mode(secretFile)).toBe(0o600);
    const secretId = readFileSync(secretFile, 'utf8').trim();
    expect(secretId).toMatch(/^[0-9a-f-]{36}$/);
    site.secrets.add(secretId);
    // Now that the test knows it: the secret ID was not in the enroll run's output or process list either.
    expectNoSecrets([enroll.stdout, enroll.stderr, ...enroll.psSamples].join('\n'), [secretId]);

    const status = await run(shell, ENROLL_SH, ['status'], { stateDir });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^credential-broker: OK configured=yes enrolled=yes accessor=[\w-]+ expires_at=\S+\n$/);

    const invoke = await run(shell, INVOKE_SH, ['--action', 'echo', '--computer-id', '4711', '--action-id', `enroll-${shell}`, '--params', '-'], {
      stateDir,
      stdin: '{"message":"enrolled"}',
    });
    expect(invoke.code).toBe(0);
    expect(invoke.stdout).toMatch(/result=\{"message":"enrolled",/);
    // The broker's audit trail names the computer from the secret-ID metadata.
    // (The audit line may be written just after the response has gone out: wait for it.)
    const findAudit = () => site.log.json().find((l) => l.log_type === 'audit' && l.idempotency_key === `4711-enroll-${shell}`);
    for (let i = 0; i < 50 && !findAudit(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(findAudit()).toMatchObject({ role_name: 'fleet', secret_id_metadata: { computer_id: '4711' } });

    // The same token again (an interceptor, or a re-run): refused with exit 12, and the stored secret ID is untouched.
    const replay = await run(shell, ENROLL_SH, ['enroll', '--token-file', '-', '--state-dir', stateDir], { stdin: `${token}\n` });
    expect(replay.code).toBe(12);
    expect(replay.stdout).toMatch(/status=401 .*exit=12 message=.*intercepted/);
    expect(readFileSync(secretFile, 'utf8').trim()).toBe(secretId);
  });

  it('When the token comes on stdin, then it works the same', async () => {
    const stateDir = join(work, `stdin-${shell}`);
    expect((await configure(shell, stateDir)).code).toBe(0);
    const token = await site.wrappedSecretId('fleet');
    const enroll = await run(shell, ENROLL_SH, ['enroll', '--token-file', '-'], { stateDir, stdin: token });
    expect(enroll.code).toBe(0);
    site.secrets.add(readFileSync(join(stateDir, 'secret_id'), 'utf8').trim());
  });

  it("When the token was issued for another group's role, then exit 12 and nothing is stored", async () => {
    const stateDir = join(work, `other-${shell}`);
    expect((await configure(shell, stateDir)).code).toBe(0);
    const token = await site.wrappedSecretId('ops');
    const enroll = await run(shell, ENROLL_SH, ['enroll', '--token-file', '-'], { stateDir, stdin: token });
    expect(enroll.code).toBe(12);
    expect(existsSync(join(stateDir, 'secret_id'))).toBe(false);
    const status = await run(shell, ENROLL_SH, ['status'], { stateDir });
    expect(status.code).toBe(11);
  });

  it('When the computer is not configured, the token is malformed, or the broker is down, then exit 11, 10 or 14', async () => {
    const none = await run(shell, ENROLL_SH, ['enroll', '--token-file', '-'], { stateDir: join(work, `none-${shell}`), stdin: 'hvs.x' });
    expect(none.code).toBe(11);
    const stateDir = join(work, `down-${shell}`);
    expect((await configure(shell, stateDir)).code).toBe(0);
    const bad = await run(shell, ENROLL_SH, ['enroll', '--token-file', '-'], { stateDir, stdin: 'not a "token"' });
    expect(bad.code).toBe(10);
    expect((await configure(shell, stateDir, `http://127.0.0.1:${await closedPort()}`)).code).toBe(0);
    const down = await run(shell, ENROLL_SH, ['enroll', '--token-file', '-', '--deadline', '2'], { stateDir, stdin: 'hvs.CAESIunused' });
    expect(down.code).toBe(14);
    expect(down.stdout).toMatch(/code=broker_unreachable/);
  });

  it('When configure gets a non-loopback http:// URL or junk lines, then it refuses with exit 10', async () => {
    const stateDir = join(work, `refuse-${shell}`);
    const plain = await configure(shell, stateDir, 'http://broker.example.com');
    expect(plain.code).toBe(10);
    const conf = join(work, `junk-${shell}`);
    writeFileSync(conf, `broker_url=${site.url}\nrole_id=${site.roleIds.fleet}\nsecret_id=oops\n`);
    const junk = await run(shell, ENROLL_SH, ['configure', '--conf-file', conf, '--state-dir', stateDir]);
    expect(junk.code).toBe(10);
  });
});
