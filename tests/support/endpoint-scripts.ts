/**
 * Runs the BigFix endpoint scripts (src/bigfix/scripts/*.sh) as real child processes under a
 * chosen shell, and samples the machine's process list while they run, so tests can prove a
 * secret never appears in any process's arguments.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SCRIPTS_DIR = path.resolve(__dirname, '../../src/bigfix/scripts');
export const INVOKE_SH = path.join(SCRIPTS_DIR, 'broker-invoke.sh');
export const ENROLL_SH = path.join(SCRIPTS_DIR, 'broker-enroll.sh');

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every `ps -eo args` output taken while the script ran. */
  psSamples: string[];
  elapsedMs: number;
}

export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  /** Sample `ps -eo args` every this many ms while the script runs (0 = never). */
  psEveryMs?: number;
  /** Working directory (default: the test runner's). */
  cwd?: string;
}

function ps(): Promise<string> {
  return new Promise((resolve) => {
    execFile('ps', ['-eo', 'args'], { maxBuffer: 4 * 1024 * 1024 }, (_err, out) => resolve(String(out ?? '')));
  });
}

export async function runScript(shell: string, script: string, args: string[], opts: RunOptions = {}): Promise<ScriptRun> {
  const started = Date.now();
  const child = spawn(shell, [script, ...args], {
    // A clean environment: the scripts must not depend on anything the test runner has.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...(opts.env ?? {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: opts.cwd,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  // A script that exits before reading its stdin closes the pipe: EPIPE is expected then.
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.stdin ?? '');

  const psSamples: string[] = [];
  let running = true;
  const sampler = (async () => {
    if (!opts.psEveryMs) return;
    while (running) {
      psSamples.push(await ps());
      await new Promise((r) => setTimeout(r, opts.psEveryMs));
    }
  })();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  running = false;
  await sampler;
  return { code, stdout, stderr, psSamples, elapsedMs: Date.now() - started };
}

/** A fresh private (0700) directory under the OS temp dir; remove it with `fs.rmSync`. */
export function privateTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** A loopback port that nothing listens on (one helper for every test). */
export { closedPort } from './fake-target';

/** The shells the POSIX scripts must work under. */
export const SHELLS = ['dash', 'bash'] as const;
