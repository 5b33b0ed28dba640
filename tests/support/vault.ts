/**
 * The Vault a test talks to: a real one when VAULT_ADDR and VAULT_TOKEN are both set
 * (for example `docker compose up -d vault`), otherwise a fresh devvault on a free port.
 * Tests that need devvault-only powers (the injected clock, sealing) check `real` and
 * skip themselves against a real Vault.
 */
import { startDevVault, type Clock, type DevVaultHandle, type DevVaultOptions } from '../../src/devvault';

export interface TestVault {
  addr: string;
  rootToken: string;
  /** True when talking to a real Vault from the environment. */
  real: boolean;
  close(): Promise<void>;
  /** Present only for devvault. */
  devvault?: DevVaultHandle;
}

/** A clock tests move by hand, so TTL expiry needs no sleeping. */
export class ManualClock implements Clock {
  constructor(private ms: number = Date.now()) {}

  now(): number {
    return this.ms;
  }

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export function realVaultConfigured(): boolean {
  return Boolean(process.env.VAULT_ADDR && process.env.VAULT_TOKEN);
}

/**
 * Start (or connect to) a Vault. `options` only apply to devvault; a test that passes a
 * clock or trusted proxies should be skipped when `realVaultConfigured()`.
 */
export async function startTestVault(options: Omit<DevVaultOptions, 'port' | 'host'> = {}): Promise<TestVault> {
  const addr = process.env.VAULT_ADDR;
  const token = process.env.VAULT_TOKEN;
  if (addr && token) {
    return { addr: addr.replace(/\/+$/, ''), rootToken: token, real: true, close: async () => undefined };
  }
  const dv = await startDevVault({ ...options, port: 0, host: '127.0.0.1' });
  return { addr: dv.address, rootToken: dv.rootToken, real: false, close: () => dv.close(), devvault: dv };
}
