/**
 * `credential-broker simulate` as a real child process (built CLI in dist/, as
 * `npm test` builds it) against a scripted broker, with real whole-second waits.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { errorBody, type FakeBroker, startFakeBroker } from '../support/fake-broker';

const CLI = resolve(__dirname, '../../dist/cli/main.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

let broker: FakeBroker;
let credentials: string;
const SECRET = 'sim-secret-0123456789';

beforeAll(async () => {
  broker = await startFakeBroker();
  const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
  credentials = join(dir, 'sandbox.json');
  writeFileSync(
    credentials,
    JSON.stringify({
      broker_url: broker.url,
      endpoints: [
        { role: 'denied', role_id: 'rid-denied', secret_id: 'x', allowed_actions: [] },
        { role: 'web', role_id: 'rid-web', secret_id: SECRET, allowed_actions: ['echo'] },
      ],
    }),
  );
});
afterAll(() => broker.close());

describe('credential-broker simulate', () => {
  it('When endpoints are rate limited once, then they all succeed and the report says how', async () => {
    const seen = new Set<string>();
    broker.script([], (req) => {
      const key = String(req.headers['idempotency-key']);
      if (req.basic?.password !== SECRET) return { status: 401, body: errorBody('unauthenticated', 'no') };
      if (!seen.has(key)) {
        seen.add(key);
        return { status: 429, headers: { 'Retry-After': '1' }, body: errorBody('rate_limited', 'slow') };
      }
      return { status: 200, body: { request_id: 'r', action: 'echo', result: { echoed: 'x' } } };
    });
    const started = Date.now();
    const r = await run(['simulate', '--credentials', credentials, '--endpoints', '6', '--action', 'echo', '--params', '{"message":"m{endpoint}"}', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ endpoints: 6, succeeded: 6, outcomes: { '200': 6 }, attempt_statuses: { '200': 6, '429': 6 } });
    // Retry-After 1 plus jitter 0..2: at least a second, at most three.
    expect(report.drain_ms).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.stdout).not.toContain(SECRET);
  });

  it('When an endpoint does not succeed, then the exit code is 1 and the table shows the outcome', async () => {
    broker.script([], () => ({ status: 403, body: errorBody('forbidden', 'no') }));
    const r = await run(['simulate', '--credentials', credentials, '--role', 'web', '--endpoints', '3', '--action', 'echo']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('succeeded          0 of 3');
    expect(r.stdout).toContain('final outcomes     403: 3');
  });

  it('When credentials come from the environment, then they are used and never printed', async () => {
    broker.script([], (req) =>
      req.basic?.user === 'env-role' ? { status: 200, body: { request_id: 'r', result: {} } } : { status: 401, body: errorBody('u', 'no') },
    );
    const r = await run(['simulate', '--broker', broker.url, '--endpoints', '2', '--action', 'echo'], {
      BROKER_ROLE_ID: 'env-role',
      BROKER_SECRET_ID: SECRET,
    });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it.each([
    [['--endpoints', '0', '--action', 'echo'], '--endpoints must be a whole number'],
    [['--endpoints', '2', '--action', 'echo', '--params', '[1]'], '--params must be a JSON object'],
    [['--endpoints', '2', '--action', 'echo', '--role', 'nobody'], '--role: no endpoint role "nobody"'],
    [['--endpoints', '2', '--action', 'echo', '--broker', 'ftp://x'], '--broker must be an http:// or https:// URL'],
  ])('When the flags are wrong (%j), then exit 2 naming the flag', async (args, message) => {
    const r = await run(['simulate', '--credentials', credentials, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('When no credentials are given, then exit 2 saying where they come from', async () => {
    const r = await run(['simulate', '--broker', broker.url, '--endpoints', '2', '--action', 'echo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give --credentials FILE, or set BROKER_ROLE_ID and BROKER_SECRET_ID');
  });
});
