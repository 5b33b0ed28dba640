/**
 * The built `credential-broker` command (dist/cli/main.js) as a real child process, for
 * the CLI tests of serve, check-config and dev. `npm test` builds first; a missing build
 * is made here. Secrets go to children through their environment, never their arguments.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export function ensureBuilt(): void {
  if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
}

/** A minimal environment: no VAULT_* or other variables leak in from the test runner. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...extra };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = childEnv()): Promise<CliRun> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Sends SIGKILL if it is still running (cleanup after a failed test). */
  kill(): void;
}

export function spawnCli(args: string[], env: Record<string, string> = childEnv(), options: { command?: string[]; detached?: boolean } = {}): RunningCli {
  const [cmd, ...pre] = options.command ?? [process.execPath, CLI];
  const child = spawn(cmd as string, [...pre, ...args], { cwd: ROOT, env, detached: options.detached });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let running = true;
  void exited.then(() => {
    running = false;
    for (const l of listeners) l();
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: () => {
      if (running) child.kill('SIGKILL');
    },
    waitFor: (pattern, ms = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} within ${ms} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, ms);
        function check(): void {
          const m = pattern.exec(out);
          if (m) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(m);
          } else if (!running) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`exited before ${pattern}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        }
        listeners.add(check);
        check();
      }),
  };
}

/** True when nothing accepts connections at `url`'s host and port any more. */
export function refusesConnections(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** JSON log lines from a child's stdout (other lines are skipped). */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return null;
      }
    })
    .filter((l): l is Record<string, unknown> => l !== null);
}
