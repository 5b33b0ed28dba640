/**
 * Child processes of the benchmark: the services (services.ts), the broker as
 * `node dist/cli/main.js serve --config FILE` (so its RSS is its own), and nginx with a
 * generated config. Everything listens on 127.0.0.1 and lives in one temporary folder
 * that is removed at the end.
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { ServiceCommand, ServiceMessage } from './services';

/** The repository root (dist-bench/bench → ../..). */
export const REPO_ROOT = resolve(__dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers `status` (default 200). */
export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess, status = 200): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status === status) return;
      last = `status ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(50);
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (${last})`);
}

export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A services.ts child with a request/response helper over IPC. */
export class ServiceProcess {
  private constructor(readonly child: ChildProcess) {}

  static async start(mode: 'vault' | 'target', logFile: string): Promise<{ service: ServiceProcess; first?: ServiceMessage }> {
    const log = openSync(logFile, 'a');
    const child = fork(join(__dirname, 'services.js'), [mode], { stdio: ['ignore', log, log, 'ipc'] });
    const service = new ServiceProcess(child);
    if (mode === 'vault') return { service, first: await service.next() };
    return { service };
  }

  /** The next message from the child (an `error` message rejects). */
  next(timeoutMs = 30_000): Promise<ServiceMessage> {
    return new Promise((res, rej) => {
      const timer = setTimeout(() => done(new Error('no answer from the service process')), timeoutMs);
      const onMessage = (m: ServiceMessage) => done(m.kind === 'error' ? new Error(m.message) : undefined, m);
      const onExit = (code: number | null) => done(new Error(`service process exited (${code})`));
      const done = (err?: Error, m?: ServiceMessage) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (err) rej(err);
        else res(m!);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  async ask(command: ServiceCommand): Promise<ServiceMessage> {
    const answer = this.next();
    this.child.send(command);
    return answer;
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

/** VmRSS and VmHWM of a process in KiB, from /proc/<pid>/status. */
export function memoryKiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line (11 and 12 here), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** sysconf(_SC_CLK_TCK); 100 on every Linux this runs on. */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU used by each named process while `fn` runs, in ms per 2xx response. */
export async function withCpu<T extends { requests_2xx: number }>(
  pids: Record<string, number | undefined>,
  fn: () => Promise<T>,
): Promise<T & { cpu_ms_per_request: Record<string, number> }> {
  const ids = Object.entries(pids).filter((e): e is [string, number] => e[1] !== undefined);
  const before = ids.map(([, pid]) => cpuSeconds(pid));
  const result = await fn();
  const cpu: Record<string, number> = {};
  ids.forEach(([name, pid], i) => {
    const used = cpuSeconds(pid) - before[i]!;
    cpu[name] = result.requests_2xx > 0 ? Math.round(((used * 1000) / result.requests_2xx) * 1000) / 1000 : 0;
  });
  return { ...result, cpu_ms_per_request: cpu };
}

export interface BrokerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the broker from the compiled CLI with `config` (written as JSON, which YAML
 * reads) and its secret ID in the environment, never in argv; waits until it is ready.
 */
export async function startBroker(
  dir: string,
  name: string,
  config: Record<string, unknown>,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<BrokerProcess> {
  const port = await freePort();
  const file = join(dir, `${name}.yaml`);
  const listen = { ...(config.listen as object), host: '127.0.0.1', port };
  writeFileSync(file, JSON.stringify({ ...config, listen }, null, 2), { mode: 0o600 });
  const log = openSync(join(dir, `${name}.log`), 'a');
  const main = join(REPO_ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
  // The broker writes its log to a pipe, as under systemd or a container runtime; `cat`
  // copies it to the log file. (Written straight to a file, every log line would be a
  // synchronous write on the broker's event loop, which no deployment has.)
  const sink = spawn('cat', [], { stdio: ['pipe', log, log] });
  const child = spawn(process.execPath, [...nodeArgs, main, 'serve', '--config', file], {
    stdio: ['ignore', sink.stdin, log],
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  // The broker holds the pipe now; cat ends when the broker does.
  sink.stdin?.destroy();
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/v1/ready`, 20_000, child);
  } catch (err) {
    await stopChild(child);
    throw new Error(`broker "${name}" did not become ready (log: ${join(dir, `${name}.log`)}): ${(err as Error).message}`);
  }
  return { url, child, stop: () => stopChild(child) };
}

/** Debian's nginx, if installed. */
export function findNginx(): string | null {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

export interface NginxProcess {
  url: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/**
 * nginx as a reverse proxy that adds the key as a static header: the alternative a
 * security team knows. One worker (the broker is one Node.js process), keep-alive to
 * the upstream, no access log (the broker's audit log is its job, but nginx needs none
 * for this comparison; the broker's is kept, which only makes the comparison harsher).
 * The key is in the generated config (mode 0600, in the temporary folder), as it would
 * be in such a setup.
 */
export async function startNginx(binary: string, dir: string, targetUrl: string, apiKey: string): Promise<NginxProcess> {
  const port = await freePort();
  const prefix = join(dir, 'nginx');
  const target = new URL(targetUrl);
  spawnSync('mkdir', ['-p', join(prefix, 'logs'), join(prefix, 'tmp')]);
  const conf = `# generated by bench/processes.ts
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  upstream demo_target {
    server ${target.hostname}:${target.port};
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    # nginx closes a client connection after 1000 requests by default; Node.js servers
    # (the target, the broker) do not, and the load generator must see the same thing.
    keepalive_requests 1000000;
    location / {
      proxy_pass http://demo_target;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer ${apiKey}";
    }
  }
}
`;
  const confFile = join(prefix, 'nginx.conf');
  writeFileSync(confFile, conf, { mode: 0o600 });
  const version = (spawnSync(binary, ['-v'], { encoding: 'utf8' }).stderr ?? '').trim().replace(/^nginx version:\s*/, '');
  const log = openSync(join(prefix, 'logs', 'stderr.log'), 'a');
  const child = spawn(binary, ['-p', prefix, '-e', `${prefix}/logs/error.log`, '-c', confFile, '-g', 'daemon off;'], {
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  // Any answer means it listens (GET / on the demo target is 401 without a key, 404 with).
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}; see ${prefix}/logs/error.log`);
    try {
      const r = await fetch(`${url}/__stats`);
      await r.arrayBuffer();
      break;
    } catch {
      if (Date.now() > until) throw new Error(`nginx did not listen on ${url}`);
      await sleep(50);
    }
  }
  // SIGQUIT is nginx's graceful stop.
  // The worker does the proxying; its pid is the master's only child.
  const workers = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n');
  return { url, version, pid: Number(workers[0]) || child.pid!, stop: () => stopChild(child, 'SIGQUIT') };
}
