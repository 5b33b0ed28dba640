/**
 * What the lifecycle tests share: the CLI as a child process (dist/, built by `npm test`),
 * a Vault (devvault, or a real one from VAULT_ADDR/VAULT_TOKEN), a bootstrapped broker
 * with a fake tool API, and a capture of everything the broker logs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config';
import { composeBroker, type Broker } from '../../src/compose';
import type { RunningServer } from '../../src/http';
import { startCountingTarget, type CountingTarget } from '../support/counting-target';
import { VaultClient } from '../support/vault-http';
import type { TestVault } from '../support/vault';
import { lifecycleConfigYaml } from './fixtures/lifecycle-config';

export const CLI = resolve(__dirname, '../../dist/cli/main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only the environment given (plus PATH): never the test runner's VAULT_*. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lifecycle-'));
}

export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  json(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export const TOOL_KEY = 'tool-key-7a1c5d0e9b';

export interface LifecycleEnv {
  vault: TestVault;
  root: VaultClient;
  dir: string;
  configFile: string;
  cliEnv: Record<string, string>;
  target: CountingTarget;
  roleIds: Record<string, string>;
  /** Every secret the test has seen: must never appear in a log line. */
  secrets: Set<string>;
}

/** Bootstraps `vault` with the lifecycle config (through the CLI) and stores the tool key. */
export async function prepare(vault: TestVault): Promise<LifecycleEnv> {
  const dir = tempDir();
  const target = await startCountingTarget({ apiKey: TOOL_KEY });
  const configFile = join(dir, 'broker.yaml');
  writeFileSync(configFile, lifecycleConfigYaml({ vaultAddr: vault.addr, targetUrl: target.url }));
  const cliEnv = { VAULT_ADDR: vault.addr, VAULT_TOKEN: vault.rootToken };
  const boot = await runCli(['vault', 'bootstrap', '--config', configFile], cliEnv);
  if (boot.code !== 0) throw new Error(`bootstrap failed: ${boot.stderr}${boot.stdout}`);
  const root = new VaultClient(vault.addr, vault.rootToken);
  const put = await root.call('POST', 'secret/data/tools/demo', { body: { data: { api_key: TOOL_KEY } } });
  if (put.status !== 200) throw new Error(`cannot write the tool key: ${put.status}`);
  const roleIds: Record<string, string> = {};
  for (const role of ['credential-broker', 'demo', 'ops']) {
    roleIds[role] = (await root.call('GET', `auth/approle/role/${role}/role-id`)).json.data.role_id;
  }
  return { vault, root, dir, configFile, cliEnv, target, roleIds, secrets: new Set([vault.rootToken, TOOL_KEY]) };
}

/** A raw secret ID for `role` issued with the root token (the tests' shortcut; the CLI path is tested separately). */
export async function rawSecretId(env: LifecycleEnv, role: string, metadata?: Record<string, string>): Promise<{ secretId: string; accessor: string }> {
  const r = await env.root.call('POST', `auth/approle/role/${role}/secret-id`, { body: metadata ? { metadata: JSON.stringify(metadata) } : {} });
  if (r.status !== 200) throw new Error(`secret-id for ${role}: ${r.status} ${r.text}`);
  env.secrets.add(r.json.data.secret_id);
  return { secretId: r.json.data.secret_id, accessor: r.json.data.secret_id_accessor };
}

export interface RunningBroker {
  url: string;
  broker: Broker;
  server: RunningServer;
  log: LogCapture;
  stop(): Promise<void>;
}

/** The real broker (composeBroker) logged in with its own AppRole identity from bootstrap. */
export async function startBroker(env: LifecycleEnv, overrides: { trustedProxies?: string[]; bearer?: boolean; requireCidr?: boolean } = {}): Promise<RunningBroker> {
  const { secretId } = await rawSecretId(env, 'credential-broker');
  const secretFile = join(env.dir, `broker-secret-${Math.random().toString(36).slice(2)}`);
  writeFileSync(secretFile, secretId, { mode: 0o600 });
  const yaml = lifecycleConfigYaml({ vaultAddr: env.vault.addr, targetUrl: env.target.url, ...overrides }).replace(
    /broker_auth:\n(?: {4}.*\n)+/,
    `broker_auth:\n    method: approle\n    role_id: { value: "${env.roleIds['credential-broker']}" }\n    secret_id: { file: ${secretFile} }\n`,
  );
  const log = new LogCapture();
  const broker = composeBroker({ config: parseConfig(yaml), env: {}, logStream: log });
  const server = await broker.start();
  return { url: server.url, broker, server, log, stop: () => broker.stop() };
}

export function basic(roleId: string, secretId: string): string {
  return `Basic ${Buffer.from(`${roleId}:${secretId}`).toString('base64')}`;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  return { status: res.status, json, text };
}

/** Fails with the offending secret's first characters if any known secret appears in `text`. */
export function expectNoSecrets(text: string, secrets: Iterable<string>): void {
  const leaked = [...secrets].filter((s) => s.length >= 6 && text.includes(s)).map((s) => `${s.slice(0, 4)}…`);
  expect(leaked).toEqual([]);
}
