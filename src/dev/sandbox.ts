/**
 * `credential-broker dev`: the whole product on loopback with no outside services —
 * devvault, its setup (sandbox-vault.ts: the same bootstrap `vault bootstrap` runs), the
 * demo target, and the broker with a demo config whose action `echo` sends a message to
 * the target and returns it, and whose endpoint group `demo-allowed` may run it and enroll.
 */
import type { Writable } from 'node:stream';
import { composeBroker, type Broker } from '../compose';
import { startDevVault } from '../devvault';
import { startDemoTarget, type DemoTarget } from './demo-target';
import { BROKER_ROLE_ID_ENV, BROKER_SECRET_ENV, sandboxConfig } from './sandbox-config';
import { newDemoKey, setupSandboxVault, type SandboxEndpoint, type SandboxVault } from './sandbox-vault';

export { sandboxConfig } from './sandbox-config';

export interface SandboxOptions {
  host?: string;
  /** The broker's port; 0 picks a free one. Default 8443. */
  port?: number;
  /** Where the broker's JSON log lines go (default process.stdout). */
  logStream?: Writable;
  policiesDir?: string;
  keyCacheSeconds?: number;
}

export interface Sandbox {
  brokerUrl: string;
  vaultAddr: string;
  vaultToken: string;
  targetUrl: string;
  endpoints: SandboxEndpoint[];
  vault: SandboxVault;
  target: DemoTarget;
  broker: Broker;
  /** The JSON written by `--credentials-out`. */
  credentials(): SandboxCredentials;
  stop(): Promise<void>;
}

export interface SandboxCredentials {
  broker_url: string;
  vault_addr: string;
  vault_token: string;
  target_url: string;
  endpoints: SandboxEndpoint[];
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stack.reverse()) await stop().catch(() => undefined);
    stack.length = 0;
  };
  try {
    const devvault = await startDevVault({ host, port: 0 });
    stack.push(() => devvault.close());
    const toolKey = newDemoKey();
    const target = await startDemoTarget({ apiKey: toolKey, host });
    stack.push(() => target.close());
    const config = sandboxConfig({
      host,
      port: options.port ?? 8443,
      vaultAddr: devvault.address,
      targetUrl: target.url,
      keyCacheSeconds: options.keyCacheSeconds ?? 30,
    });
    const vault = await setupSandboxVault(devvault.address, devvault.rootToken, { config, policiesDir: options.policiesDir, toolKey });
    const env = { [BROKER_ROLE_ID_ENV]: vault.brokerRoleId, [BROKER_SECRET_ENV]: vault.brokerSecretId };
    const broker = composeBroker({ config, env, logStream: options.logStream });
    const server = await broker.start();
    stack.push(() => broker.stop());
    const credentials = (): SandboxCredentials => ({
      broker_url: server.url,
      vault_addr: devvault.address,
      vault_token: devvault.rootToken,
      target_url: target.url,
      endpoints: vault.endpoints.map((e) => ({ ...e, allowed_actions: [...e.allowed_actions] })),
    });
    return {
      brokerUrl: server.url,
      vaultAddr: devvault.address,
      vaultToken: devvault.rootToken,
      targetUrl: target.url,
      endpoints: vault.endpoints,
      vault,
      target,
      broker,
      credentials,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
