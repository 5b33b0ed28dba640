/**
 * Shared by the security-team commands (`vault bootstrap`, `secret-id`, `explain`): where
 * Vault is and which token to use, and how failures become exit codes.
 *
 * The token comes from --vault-token-file or VAULT_TOKEN, never from a flag: process
 * arguments are visible to every user of the machine (`ps`).
 *
 * Exit codes (README, "Commands"):
 *   0 done / allowed          4 Vault unreachable, sealed or failing (5xx)
 *   1 unexpected error        5 permission denied by Vault (the token lacks the capability)
 *   2 bad flags or config     6 not found (unknown role or accessor)
 *   3 explain: denied         7 bootstrap: Vault state needs a manual fix; nothing written
 */
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, type BrokerConfig } from '../config';
import { isVaultResponseError, isVaultUnreachableError, type VaultHttpOptions } from '../vault/vault-http';

export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  denied: 3,
  vaultUnavailable: 4,
  permissionDenied: 5,
  notFound: 6,
  conflict: 7,
} as const;

/** An error the command has already worded for the user, with its exit code. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface VaultFlags {
  vaultAddr?: string;
  vaultTokenFile?: string;
  vaultCaCert?: string;
  config?: string;
}

export interface VaultAccess {
  http: VaultHttpOptions;
  token: string;
  approleMount: string;
  markerPrefix: string;
  config?: BrokerConfig;
}

export function loadConfigOrFail(path: string): BrokerConfig {
  try {
    return loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError || (err as Error).name === 'ConfigError') throw new CliFailure((err as Error).message, EXIT.usage);
    throw err;
  }
}

export function vaultAccess(flags: VaultFlags, env: NodeJS.ProcessEnv, config?: BrokerConfig): VaultAccess {
  const address = flags.vaultAddr || env.VAULT_ADDR || config?.vault.address;
  if (!address) throw new CliFailure('no Vault address: give --vault-addr, set VAULT_ADDR, or give --config', EXIT.usage);
  if (!/^https?:\/\//.test(address)) throw new CliFailure(`--vault-addr: ${address} is not an http:// or https:// URL`, EXIT.usage);
  let token: string | undefined;
  if (flags.vaultTokenFile) {
    try {
      token = readFileSync(flags.vaultTokenFile, 'utf8').trim();
    } catch (err) {
      throw new CliFailure(`--vault-token-file: cannot read ${flags.vaultTokenFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, EXIT.usage);
    }
    if (!token) throw new CliFailure(`--vault-token-file: ${flags.vaultTokenFile} is empty`, EXIT.usage);
  } else if (env.VAULT_TOKEN) {
    token = env.VAULT_TOKEN.trim();
  }
  if (!token) throw new CliFailure('no Vault token: give --vault-token-file FILE or set VAULT_TOKEN', EXIT.usage);
  return {
    http: {
      address,
      caFile: flags.vaultCaCert || env.VAULT_CACERT || config?.vault.tls?.ca_file,
      namespace: env.VAULT_NAMESPACE || config?.vault.namespace,
      timeoutMs: config?.vault.request_timeout_ms,
    },
    token,
    approleMount: config?.vault.approle_mount ?? 'approle',
    markerPrefix: config?.vault.action_marker_prefix ?? 'broker/actions/',
    config,
  };
}

/** Words a Vault failure for the user; `what` says what we were doing ("reading role demo"). */
export function vaultFailure(err: unknown, what: string): CliFailure | null {
  if (isVaultUnreachableError(err)) return new CliFailure(`${what}: ${err.message}`, EXIT.vaultUnavailable);
  if (!isVaultResponseError(err)) return null;
  if (err.status === 403) {
    return new CliFailure(`${what}: permission denied (the Vault token's policies do not allow ${err.path}, or the token is invalid or expired)`, EXIT.permissionDenied);
  }
  if (err.status === 503) return new CliFailure(`${what}: Vault is sealed or has no active node`, EXIT.vaultUnavailable);
  if (err.status >= 500) return new CliFailure(`${what}: ${err.message}`, EXIT.vaultUnavailable);
  return new CliFailure(`${what}: ${err.message}`, EXIT.unexpected);
}

/**
 * Runs a command body and turns failures into a message on stderr and an exit code.
 * Only our own, already-worded messages are printed; anything else prints its message,
 * which for Vault errors never contains a token (vault-http.ts builds them).
 */
export async function runCommand(body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (err) {
    if (err instanceof CliFailure) {
      process.stderr.write(`credential-broker: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    const worded = vaultFailure(err, 'Vault request failed');
    process.stderr.write(`credential-broker: ${(worded ?? (err as Error)).message}\n`);
    process.exitCode = worded?.exitCode ?? EXIT.unexpected;
  }
}
