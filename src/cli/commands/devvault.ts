/**
 * `credential-broker devvault`: run devvault the way `vault server -dev` runs Vault —
 * initialized, unsealed, in memory, KV v2 at secret/, one unseal key, the root token
 * printed. For development and tests only.
 *
 * It listens on loopback unless told otherwise; a non-loopback --host also needs
 * --allow-remote, because the server speaks plain HTTP and anyone reaching it with the
 * printed root token owns it.
 *
 * Exit codes: 0 stopped by SIGINT/SIGTERM, 1 could not start (port in use…), 2 bad flags.
 */
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { startDevVault } from '../../devvault';
import { parseTrustedProxy } from '../../devvault/http/client-address';
import { collect } from '../options';
import { stopSignal } from '../signals';

interface DevVaultFlags {
  host: string;
  port: string;
  rootToken?: string;
  trustedProxy: string[];
  allowRemote?: boolean;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`--port: ${JSON.stringify(text)} is not a port number (0-65535)`);
  return Number(text);
}

export function banner(address: string, unsealKey: string, rootToken: string): string {
  return [
    'WARNING! devvault is for development and tests only: everything is kept in memory,',
    'it speaks plain HTTP and it prints its root token. Never put real secrets in it.',
    '',
    'You may need to set the following environment variables:',
    '',
    `    $ export VAULT_ADDR='${address}'`,
    '',
    'The unseal key and root token are displayed below in case you want to',
    'seal/unseal devvault or re-authenticate.',
    '',
    `Api Address: ${address}`,
    `Unseal Key: ${unsealKey}`,
    `Root Token: ${rootToken}`,
    '',
    'KV v2 is mounted at secret/. Stop with Ctrl-C.',
    '',
  ].join('\n');
}

async function run(flags: DevVaultFlags): Promise<void> {
  const port = parsePort(flags.port);
  if (!isLoopback(flags.host) && !flags.allowRemote) {
    throw new UsageError(`--host ${flags.host} is not a loopback address; add --allow-remote to serve devvault beyond this machine`);
  }
  const trustedProxies = flags.trustedProxy.map((cidr) => {
    try {
      parseTrustedProxy(cidr);
      return cidr;
    } catch (err) {
      throw new UsageError(`--trusted-proxy: ${(err as Error).message}`);
    }
  });
  // An empty environment variable counts as unset.
  const rootToken = flags.rootToken ?? (process.env.VAULT_DEV_ROOT_TOKEN_ID || undefined);
  if (rootToken !== undefined && rootToken.trim() === '') throw new UsageError('--root-token: must not be empty');

  // Listen for signals before starting: a signal right after the banner must still stop
  // the server cleanly.
  const stopped = stopSignal();
  const vault = await startDevVault({ host: flags.host, port, rootToken, trustedProxies });
  process.stdout.write(banner(vault.address, vault.unsealKey, vault.rootToken));
  await stopped;
  process.stdout.write('==> devvault shutdown triggered\n');
  await vault.close().catch(() => undefined);
}

export function register(program: Command): void {
  program
    .command('devvault')
    .description('Run devvault, an in-memory Vault-compatible dev server (development and tests only)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free one', '8200')
    .option('--root-token <id>', 'root token id (default: VAULT_DEV_ROOT_TOKEN_ID, else random hvs.…)')
    .option('--trusted-proxy <cidr>', "proxy whose X-Forwarded-For is trusted (repeatable)", collect, [] as string[])
    .option('--allow-remote', 'allow a non-loopback --host')
    .action(async (flags: DevVaultFlags) => {
      try {
        await run(flags);
      } catch (err) {
        const usage = err instanceof UsageError;
        process.stderr.write(`credential-broker devvault: ${(err as Error).message}\n`);
        process.exit(usage ? 2 : 1);
      }
    });
}
