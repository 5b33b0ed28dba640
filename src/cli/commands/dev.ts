/**
 * `credential-broker dev [--port N] [--credentials-out FILE]` (what `npm start` runs):
 * devvault, its setup, a demo target and the broker, all on loopback, until SIGINT or
 * SIGTERM; then everything is stopped. Prints copy-paste curl examples. Secret IDs are
 * not printed: they are in the credentials file (mode 0600), which the examples read.
 * Exit codes: 0 stopped by a signal, 1 could not start (port in use…), 2 bad flags.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stopSignal } from '../signals';
import { startSandbox, type Sandbox } from '../../dev/sandbox';

interface Flags {
  port: string;
  credentialsOut?: string;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A curl line that reads role_id:secret_id from the file and passes it on stdin (not argv). */
function curlFor(file: string, endpointIndex: number, url: string, body?: string): string {
  const js = `const e=require(${JSON.stringify(file)}).endpoints[${endpointIndex}]; 'user = \\"'+e.role_id+':'+e.secret_id+'\\"'`;
  const data = body === undefined ? '' : ` -H 'Content-Type: application/json' -d ${shellQuote(body)}`;
  return `node -p "${js.replace(/"/g, '\\"').replace(/\\\\"/g, '\\"')}" | curl -sS -K -${data} ${url}`;
}

export function banner(sandbox: Sandbox, credentialsFile: string): string {
  const c = sandbox.credentials();
  const allowed = c.endpoints.findIndex((e) => e.allowed_actions.includes('echo'));
  const denied = c.endpoints.findIndex((e) => e.allowed_actions.length === 0);
  const echo = `${c.broker_url}/v1/actions/echo`;
  const lines = [
    '',
    'credential-broker sandbox is running (development only: everything is in memory)',
    '',
    `  broker       ${c.broker_url}`,
    `  devvault     ${c.vault_addr}`,
    `  demo target  ${c.target_url}   (refuses requests without its key)`,
    `  credentials  ${credentialsFile}   (role_id, secret_id per endpoint role; Vault root token)`,
    '',
    'Endpoint roles:',
    ...c.endpoints.map((e) => `  ${e.role.padEnd(14)} may run: ${e.allowed_actions.join(', ') || '(nothing)'}`),
    '',
    `Run "echo" as ${c.endpoints[allowed]?.role} (200, the message comes back):`,
    `  ${curlFor(credentialsFile, allowed, echo, '{"message":"hello from an endpoint"}')}`,
    '',
    `The same as ${c.endpoints[denied]?.role} (403):`,
    `  ${curlFor(credentialsFile, denied, echo, '{"message":"hello"}')}`,
    '',
    'The actions a role may run:',
    `  ${curlFor(credentialsFile, allowed, `${c.broker_url}/v1/actions`)}`,
    '',
    'The demo target without the key (401) — the endpoint never has it:',
    `  curl -sS -X POST -d '{"message":"hi"}' ${c.target_url}/echo`,
    '',
    `Readiness: curl -sS ${c.broker_url}/v1/ready`,
    'Broker log and audit lines (JSON) follow. Ctrl-C stops everything.',
    '',
  ];
  return lines.join('\n');
}

function writeCredentials(file: string, sandbox: Sandbox): void {
  writeFileSync(file, `${JSON.stringify(sandbox.credentials(), null, 2)}\n`, { mode: 0o600 });
  // mode only applies to a new file; an existing one may have been wider.
  chmodSync(file, 0o600);
}

async function dev(flags: Flags): Promise<number> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`credential-broker: --port: ${flags.port} is not a port number\n`);
    return 2;
  }
  // Before anything starts: see ../signals.ts.
  const stopRequested = stopSignal();
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ port });
  } catch (err) {
    process.stderr.write(`credential-broker: could not start the sandbox: ${(err as Error).message}\n`);
    return 1;
  }
  let file: string;
  let temporary = false;
  if (flags.credentialsOut) {
    file = resolve(flags.credentialsOut);
  } else {
    file = join(mkdtempSync(join(tmpdir(), 'credential-broker-sandbox-')), 'credentials.json');
    temporary = true;
  }
  try {
    writeCredentials(file, sandbox);
  } catch (err) {
    process.stderr.write(`credential-broker: cannot write ${file}: ${(err as Error).message}\n`);
    await sandbox.stop();
    return 1;
  }
  process.stdout.write(`${banner(sandbox, file)}\n`);
  await stopRequested;
  await sandbox.stop();
  if (temporary) rmSync(dirname(file), { recursive: true, force: true });
  process.stdout.write('sandbox stopped\n');
  return 0;
}

export function register(program: Command): void {
  program
    .command('dev')
    .description('Run the whole sandbox on loopback: devvault, a demo tool and the broker (npm start)')
    .option('--port <n>', "the broker's port (0 picks a free one)", '8443')
    .option('--credentials-out <file>', 'write broker_url, vault_addr, vault_token, target_url and the endpoint credentials here (JSON, mode 0600)')
    .action(async (flags: Flags) => {
      process.exitCode = await dev(flags);
    });
}
