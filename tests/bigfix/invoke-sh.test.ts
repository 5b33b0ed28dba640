/**
 * broker-invoke.sh run for real, under dash and bash, against the live broker (devvault,
 * bootstrap from the CLI, composeBroker, a counting tool API): every documented exit code
 * the broker can produce, the one result line, the Idempotency-Key, and no secret in the
 * script's output or in any process's arguments while it runs.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { basic, expectNoSecrets } from '../lifecycle/harness';
import { closedPort, INVOKE_SH, privateTempDir, runScript, SHELLS, type ScriptRun } from '../support/endpoint-scripts';
import { startLiveSite, type LiveSite } from './live-site';

let site: LiveSite;
let work: string;
let fleetSecret: string;
let opsSecret: string;

beforeAll(async () => {
  site = await startLiveSite();
  work = privateTempDir('invoke-sh-');
  fleetSecret = await site.rawSecretId('fleet');
  opsSecret = await site.rawSecretId('ops');
}, 60_000);

afterAll(async () => {
  await site?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

afterAll(() => {
  // Nothing the scripts sent (secret IDs) or the site holds (tool key, root token) reached a broker log line.
  if (site) expectNoSecrets(site.log.text, site.secrets);
});

let storeCount = 0;
/** A protected store as broker-enroll.sh leaves it: a 0700 directory with broker.conf and a 0600 secret_id. */
function store(opts: { url?: string; roleId?: string; secretId?: string | null } = {}): string {
  const dir = join(work, `store-${++storeCount}`);
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'broker.conf'), `broker_url=${opts.url ?? site.url}\nrole_id=${opts.roleId ?? site.roleIds.fleet}\nca_file=\n`, { mode: 0o600 });
  if (opts.secretId !== null) writeFileSync(join(dir, 'secret_id'), `${opts.secretId ?? fleetSecret}\n`, { mode: 0o600 });
  return dir;
}

let actionSeq = 1000;
async function invoke(shell: string, dir: string, args: string[], opts: { stdin?: string } = {}): Promise<ScriptRun> {
  const run = await runScript(shell, INVOKE_SH, ['--computer-id', '4711', '--action-id', String(++actionSeq), ...args], {
    env: { BROKER_STATE_DIR: dir },
    stdin: opts.stdin,
    psEveryMs: 20,
  });
  // The rules every run obeys, whatever its outcome.
  const everything = [run.stdout, run.stderr, ...run.psSamples].join('\n');
  expectNoSecrets(everything, [...site.secrets, fleetSecret, opsSecret]);
  expect(run.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  return run;
}

function kvFile(name: string, lines: string[]): string {
  const file = join(work, name);
  writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
  return file;
}

describe.each(SHELLS)('broker-invoke.sh under %s', (shell) => {
  it('When the action succeeds, then exit 0 with one OK line, the Idempotency-Key is <computer id>-<action id>, and no secret is in ps while curl runs', async () => {
    const dir = store();
    site.target.behave({ delayMs: 1500 }); // keep curl running long enough to be seen by ps, even on a busy machine
    try {
      const params = kvFile(`ok-${shell}.kv`, [`message=hello "${shell}" {braces} \\ done`, 'count:int=3']);
      const run = await invoke(shell, dir, ['--action', 'echo', '--params-kv', params]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^credential-broker: OK action=echo request_id=[\w-]+ result=/);
      const result = JSON.parse(run.stdout.trim().replace(/^.* result=/, ''));
      expect(result).toEqual({ message: `hello "${shell}" {braces} \\ done`, count: 3 });
      expect(site.target.stats().by_key[`fleet/4711-${actionSeq}`]).toBe(1);
      // The sampler did see the script's curl, and saw it with no credential in its arguments.
      expect(run.psSamples.some((s) => s.includes('curl --config -'))).toBe(true);
    } finally {
      site.target.behave({});
    }
  });

  it('When BigFix re-runs the same action, then the broker replays the outcome and the target is not called again', async () => {
    const dir = store();
    const args = ['--computer-id', '77', '--action-id', `${shell}-900`, '--action', 'echo', '--params', '-'];
    const first = await runScript(shell, INVOKE_SH, args, { env: { BROKER_STATE_DIR: dir }, stdin: '{"message":"once"}' });
    const second = await runScript(shell, INVOKE_SH, args, { env: { BROKER_STATE_DIR: dir }, stdin: '{"message":"once"}' });
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.stdout.replace(/request_id=\S+/, '')).toBe(first.stdout.replace(/request_id=\S+/, ''));
    expect(site.target.stats().by_key[`fleet/77-${shell}-900`]).toBe(1);
  });

  it('When the broker answers 429 with Retry-After, then the script waits at least that long and succeeds with the same Idempotency-Key', async () => {
    const dir = store();
    // Spend the action's only token (0.2 per second, burst 1: five seconds of margin on a busy machine) so the script's first call is refused.
    // A 429 takes nothing, and a later token within queue_ms is waited for: so spend until
    // a call succeeds. Right after that the bucket is empty and the next token is 5 s away,
    // far beyond queue_ms (1 s), so the script's first call is refused.
    let spent = 0;
    for (let i = 0; i < 10 && spent !== 200; i += 1) {
      const spend = await fetch(`${site.url}/v1/actions/echo_limited`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(site.roleIds.fleet, fleetSecret) },
        body: JSON.stringify({ message: 'spend' }),
      });
      spent = spend.status;
      expect([200, 429]).toContain(spent);
      if (spent === 429) await new Promise((r) => setTimeout(r, Number(spend.headers.get('retry-after') ?? '1') * 1000));
    }
    expect(spent).toBe(200);
    const params = kvFile(`limited-${shell}.kv`, ['message=after the wait']);
    const run = await invoke(shell, dir, ['--action', 'echo_limited', '--params-kv', params, '--deadline', '30']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^credential-broker: OK action=echo_limited .*result=\{"message":"after the wait"\}/);
    const waits = [...run.stderr.matchAll(/attempt (\d+): \S+ \(status 429\); retrying in (\d+)s/g)];
    expect(waits.length).toBeGreaterThanOrEqual(1);
    // Retry-After is whole seconds (at least 1); the script never comes back before it.
    for (const w of waits) expect(Number(w[2])).toBeGreaterThanOrEqual(1);
    expect(site.target.stats().by_key[`fleet/4711-${actionSeq}`]).toBe(1);
  });

  it('When the secret ID is wrong, then exit 12 (unauthorized)', async () => {
    const dir = store({ secretId: '0f0e0d0c-1111-2222-3333-444455556666' });
    const run = await invoke(shell, dir, ['--action', 'echo', '--params', '-'], { stdin: '{"message":"x"}' });
    expect(run.code).toBe(12);
    expect(run.stdout).toMatch(/^credential-broker: FAILED code=\S+ status=401 request_id=\S+ exit=12/);
  });

  it("When the role may not run the action, then exit 13 (forbidden)", async () => {
    const dir = store();
    const run = await invoke(shell, dir, ['--action', 'restart']);
    expect(run.code).toBe(13);
    expect(run.stdout).toMatch(/FAILED code=\S+ status=403 .*exit=13/);
    // The ops group may: the same script and store layout work for it.
    const ops = store({ roleId: site.roleIds.ops, secretId: opsSecret });
    expect((await invoke(shell, ops, ['--action', 'restart'])).code).toBe(0);
  });

  it('When the parameters are invalid, then exit 10 and the target is never called', async () => {
    const dir = store();
    const before = site.target.stats().total;
    const tooBig = await invoke(shell, dir, ['--action', 'echo', '--params-kv', kvFile(`bad-${shell}.kv`, ['message=x', 'count:int=99'])]);
    expect(tooBig.code).toBe(10);
    expect(tooBig.stdout).toMatch(/FAILED code=\S+ status=400 .*exit=10 message="/);
    const unknown = await invoke(shell, dir, ['--action', 'no_such_action']);
    expect(unknown.code).toBe(10);
    expect(unknown.stdout).toMatch(/status=404/);
    // Refused on the endpoint already: not an integer.
    const local = await invoke(shell, dir, ['--action', 'echo', '--params-kv', kvFile(`local-${shell}.kv`, ['count:int=three'])]);
    expect(local.code).toBe(10);
    expect(local.stdout).toMatch(/status=0 .*not an integer/);
    expect(site.target.stats().total).toBe(before);
  });

  it('When the broker is down, then the script retries until the deadline and exits 14', async () => {
    const dir = store({ url: `http://127.0.0.1:${await closedPort()}` });
    const run = await invoke(shell, dir, ['--action', 'echo', '--params', '-', '--deadline', '3'], { stdin: '{"message":"x"}' });
    expect(run.code).toBe(14);
    expect(run.stdout).toMatch(/^credential-broker: FAILED code=broker_unreachable status=0 request_id=- exit=14/);
    expect(run.stderr).toMatch(/attempt 1: curl_7/);
  });

  it('When the target fails or times out, then exit 15 or 16', async () => {
    const dir = store();
    const failed = await invoke(shell, dir, ['--action', 'broken']);
    expect(failed.code).toBe(15);
    expect(failed.stdout).toMatch(/status=502 .*exit=15/);
    site.target.behave({ delayMs: 1000 });
    try {
      const slow = await invoke(shell, dir, ['--action', 'slow']);
      expect(slow.code).toBe(16);
      expect(slow.stdout).toMatch(/status=504 .*exit=16/);
    } finally {
      site.target.behave({});
    }
  });

  it('When the computer is not enrolled or the store is readable by others, then exit 11 before any request', async () => {
    const missing = await invoke(shell, join(work, 'nowhere'), ['--action', 'echo']);
    expect(missing.code).toBe(11);
    expect(missing.stdout).toMatch(/code=not_configured/);
    const notEnrolled = await invoke(shell, store({ secretId: null }), ['--action', 'echo']);
    expect(notEnrolled.code).toBe(11);
    expect(notEnrolled.stdout).toMatch(/code=not_enrolled/);
    const loose = store();
    chmodSync(join(loose, 'secret_id'), 0o644);
    const insecure = await invoke(shell, loose, ['--action', 'echo']);
    expect(insecure.code).toBe(11);
    expect(insecure.stdout).toMatch(/code=store_insecure/);
  });

  it('When an argument could inject a header or path, then it is refused (exit 1) before any request', async () => {
    const dir = store();
    const run = await invoke(shell, dir, ['--action', 'echo/../x']);
    expect(run.code).toBe(1);
    const key = await runScript(shell, INVOKE_SH, ['--computer-id', '1\r\nX-Evil: 1', '--action-id', '2', '--action', 'echo'], { env: { BROKER_STATE_DIR: dir } });
    expect(key.code).toBe(1);
    expect(key.stdout).toMatch(/FAILED code=usage/);
  });
});
