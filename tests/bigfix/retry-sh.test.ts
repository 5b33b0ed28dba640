/**
 * broker-invoke.sh's retry policy (src/bigfix/retry-policy.ts) against a scripted
 * stand-in for the broker, for the answers the real broker cannot be made to give on
 * demand: 503 until the deadline, a Retry-After longer than the deadline, a 409 that
 * clears. The live-broker tests (invoke-sh.test.ts) cover the real statuses.
 */
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextStep } from '../../src/bigfix/retry-policy';
import { INVOKE_SH, privateTempDir, runScript, SHELLS } from '../support/endpoint-scripts';
import { errorBody, startFakeBroker, type FakeBroker } from '../support/fake-broker';

const ROLE_ID = 'role-7f3a';
const SECRET_ID = 'a3c1e0f2-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
let fake: FakeBroker;
let work: string;
let n = 0;

beforeAll(async () => {
  fake = await startFakeBroker();
  work = privateTempDir('retry-sh-');
});
afterAll(async () => {
  await fake?.close();
  rmSync(work, { recursive: true, force: true });
});

function store(): string {
  const dir = join(work, `s${++n}`);
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'broker.conf'), `broker_url=${fake.url}\nrole_id=${ROLE_ID}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'secret_id'), SECRET_ID, { mode: 0o600 });
  return dir;
}

async function invoke(shell: string, deadline: number) {
  fake.requests.length = 0;
  const dir = store();
  const r = await runScript(shell, INVOKE_SH, ['--action', 'echo', '--computer-id', '5', '--action-id', `${shell}-${n}`, '--deadline', String(deadline)], {
    env: { BROKER_STATE_DIR: dir },
    psEveryMs: 25,
  });
  expect([r.stdout, r.stderr, ...r.psSamples].join('\n')).not.toContain(SECRET_ID);
  return r;
}

describe.each(SHELLS)('broker-invoke.sh retries under %s', (shell) => {
  it('When the broker keeps answering 503 with Retry-After, then it retries with the same key, never sooner than Retry-After, and exits 16 at the deadline', async () => {
    fake.script([], () => ({ status: 503, headers: { 'retry-after': '1' }, body: errorBody('vault_unavailable', 'sealed') }));
    const r = await invoke(shell, 4);
    expect(r.code).toBe(16);
    expect(r.stdout).toMatch(/^credential-broker: FAILED code=vault_unavailable status=503 request_id=req-fake exit=16 message="deadline reached/);
    expect(fake.requests.length).toBeGreaterThanOrEqual(2);
    // Every attempt carries the credentials in the Authorization header and the same key.
    expect(new Set(fake.requests.map((q) => q.headers['idempotency-key']))).toEqual(new Set([`5-${shell}-${n}`]));
    expect(fake.requests.every((q) => q.basic?.user === ROLE_ID && q.basic.password === SECRET_ID)).toBe(true);
    for (const m of r.stderr.matchAll(/retrying in (\d+)s/g)) expect(Number(m[1])).toBeGreaterThanOrEqual(1);
  });

  it('When Retry-After does not fit before the deadline, then it gives up at once instead of coming back early', async () => {
    fake.script([{ status: 429, headers: { 'retry-after': '30' }, body: errorBody('rate_limited', 'slow down') }]);
    const r = await invoke(shell, 5);
    expect(r.code).toBe(16);
    expect(fake.requests).toHaveLength(1);
    // The policy the simulator plays agrees.
    expect(nextStep({ kind: 'response', status: 429, retryAfterSeconds: 30 }, 1, 5)).toEqual({ retry: false, reason: 'deadline' });
  });

  it('When the same key is still in flight (409), then it retries and gets the outcome', async () => {
    fake.script([
      { status: 409, body: errorBody('conflict', 'in flight') },
      { status: 200, body: { request_id: 'req-2', action: 'echo', result: { ok: true } } },
    ]);
    const r = await invoke(shell, 20);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('credential-broker: OK action=echo request_id=req-2 result={"ok":true}\n');
    expect(fake.requests).toHaveLength(2);
  });

  it('When the answer is another 4xx (422), then it does not retry', async () => {
    fake.script([{ status: 422, body: errorBody('idempotency_key_reused', 'other parameters') }]);
    const r = await invoke(shell, 20);
    expect(r.code).toBe(10);
    expect(fake.requests).toHaveLength(1);
  });
});

/**
 * The JSON the script builds and parses goes through awk: check it byte for byte, under
 * this machine's awk and under mawk (Debian's and Ubuntu's default awk) where installed.
 */
describe.each(SHELLS)('broker-invoke.sh JSON handling under %s', (shell) => {
  const awks: [string, string | undefined][] = [['default awk', undefined]];
  if (existsSync('/usr/bin/mawk')) awks.push(['mawk', '/usr/bin/mawk']);

  it.each(awks)('When parameters hold quotes, backslashes, tabs and braces (%s), then the body is exact JSON and the result is read back', async (_label, awkPath) => {
    const env: Record<string, string> = { BROKER_STATE_DIR: store() };
    if (awkPath) {
      const bin = join(work, `bin-${shell}-${n}`);
      mkdirSync(bin);
      symlinkSync(awkPath, join(bin, 'awk'));
      env.PATH = `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
    }
    const kv = join(work, `p-${shell}-${n}.kv`);
    writeFileSync(kv, ['text=say "hi" \\ {x}\tend', 'n:int=-42', 'f:num=2.5e3', 'b:bool=false', 'j:json={"a":[1,{"b":null}]}', 'skip?:int=', '# a comment', ''].join('\n').replace('\\t', '\t'));
    fake.requests.length = 0;
    fake.script([{ status: 200, body: { request_id: 'req-j', action: 'echo', result: { text: 'a "b" \\ c', nested: { list: [1, 2] } } } }]);
    const r = await runScript(shell, INVOKE_SH, ['--action', 'echo', '--computer-id', '5', '--action-id', `json-${shell}-${n}`, '--params-kv', kv], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(fake.requests[0]?.body ?? '')).toEqual({ text: 'say "hi" \\ {x}\tend', n: -42, f: 2500, b: false, j: { a: [1, { b: null }] } });
    expect(r.stdout).toBe('credential-broker: OK action=echo request_id=req-j result={"text":"a \\"b\\" \\\\ c","nested":{"list":[1,2]}}\n');

    // A control character is refused on the endpoint, not sent and not silently changed.
    writeFileSync(kv, 'text=bell\u0007here\n');
    fake.requests.length = 0;
    const bad = await runScript(shell, INVOKE_SH, ['--action', 'echo', '--computer-id', '5', '--action-id', `json-${shell}-${n}-bad`, '--params-kv', kv], { env });
    expect(bad.code).toBe(10);
    expect(bad.stdout).toMatch(/code=invalid_parameters .*control character/);
    expect(fake.requests).toHaveLength(0);
  });
});
