/**
 * `credential-broker dev`: the whole product on loopback with no outside services —
 * devvault, its setup (sandbox-vault.ts), the demo target, and the broker with a demo
 * config whose action `echo` sends a message to the target and returns it.
 */
import type { Writable } from 'node:stream';
import { composeBroker, type Broker } from '../compose';
import { validateConfig, type BrokerConfig } from '../config';
import { startDevVault } from '../devvault';
import { startDemoTarget, type DemoTarget } from './demo-target';
import { SANDBOX_TOOL_KEY_REF, setupSandboxVault, type SandboxEndpoint, type SandboxVault } from './sandbox-vault';

/** The name under which the broker's secret_id is handed over (an injected env, never process.env). */
const BROKER_SECRET_ENV = 'SANDBOX_BROKER_SECRET_ID';

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

export function sandboxConfig(input: { host: string; port: number; vaultAddr: string; targetUrl: string; brokerRoleId: string; keyCacheSeconds: number }): BrokerConfig {
  return validateConfig(
    {
      listen: { host: input.host, port: input.port },
      vault: {
        address: input.vaultAddr,
        broker_auth: { method: 'approle', role_id: { value: input.brokerRoleId }, secret_id: { env: BROKER_SECRET_ENV } },
      },
      key_cache_seconds: input.keyCacheSeconds,
      targets: {
        demo: {
          base_url: input.targetUrl,
          credential: { ref: SANDBOX_TOOL_KEY_REF, inject: { type: 'bearer' } },
          timeout_ms: 5000,
        },
        // The same demo tool, as a tool that allows only 5 calls per second: watch
        // shaping with `credential-broker simulate --action echo_limited` and GET /__stats.
        demo_limited: {
          base_url: input.targetUrl,
          credential: { ref: SANDBOX_TOOL_KEY_REF, inject: { type: 'bearer' } },
          timeout_ms: 5000,
          rate_limit: { per_second: 5, burst: 5, max_concurrent: 5 },
        },
      },
      actions: {
        echo: {
          description: 'Sends a message to the demo tool, which sends it back.',
          target: 'demo',
          method: 'POST',
          path: '/echo',
          parameters: { message: { type: 'string', min_length: 1, max_length: 200, description: 'the text to echo' } },
          body: { message: '{message}' },
          result: ['message', 'length'],
        },
        echo_limited: {
          description: 'Like echo, through a target limited to 5 calls per second (429 with Retry-After beyond).',
          target: 'demo_limited',
          method: 'POST',
          path: '/echo',
          parameters: { message: { type: 'string', min_length: 1, max_length: 200, description: 'the text to echo' } },
          body: { message: '{message}' },
          result: ['message', 'length'],
        },
      },
    },
    { source: '(dev sandbox config)' },
  );
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
    const vault = await setupSandboxVault(devvault.address, devvault.rootToken, { policiesDir: options.policiesDir });
    const target = await startDemoTarget({ apiKey: vault.toolKey, host });
    stack.push(() => target.close());
    const config = sandboxConfig({
      host,
      port: options.port ?? 8443,
      vaultAddr: devvault.address,
      targetUrl: target.url,
      brokerRoleId: vault.brokerRoleId,
      keyCacheSeconds: options.keyCacheSeconds ?? 30,
    });
    const broker = composeBroker({ config, env: { [BROKER_SECRET_ENV]: vault.brokerSecretId }, logStream: options.logStream });
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
