/**
 * The dev sandbox's broker config, built in code and validated like a YAML file: two
 * demo actions on the demo target, and the endpoint group `demo-allowed`. The sandbox's
 * Vault is set up from it (sandbox-vault.ts), so it has no Vault ids in it: the broker's
 * role_id and secret_id come from an injected env after that setup.
 */
import { validateConfig, type BrokerConfig } from '../config';

/** Where the demo tool's key lives in the sandbox's Vault. */
export const SANDBOX_TOOL_KEY_PATH = 'secret/data/tools/demo';
export const SANDBOX_TOOL_KEY_REF = `${SANDBOX_TOOL_KEY_PATH}#api_key`;

/**
 * The names under which the broker's role_id and secret_id are handed over (an injected
 * env, never process.env): the config is built before Vault is set up from it.
 */
export const BROKER_ROLE_ID_ENV = 'SANDBOX_BROKER_ROLE_ID';
export const BROKER_SECRET_ENV = 'SANDBOX_BROKER_SECRET_ID';

export function sandboxConfig(input: { host: string; port: number; vaultAddr: string; targetUrl: string; keyCacheSeconds: number }): BrokerConfig {
  return validateConfig(
    {
      listen: { host: input.host, port: input.port },
      vault: {
        address: input.vaultAddr,
        broker_auth: { method: 'approle', role_id: { env: BROKER_ROLE_ID_ENV }, secret_id: { env: BROKER_SECRET_ENV } },
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
      // One AppRole role per group, made by the same bootstrap as production; POST
      // /v1/enroll accepts wrapping tokens for these roles. The sandbox adds one more
      // role by hand, demo-denied, that may run nothing (sandbox-vault.ts).
      endpoint_groups: {
        'demo-allowed': { description: 'sandbox endpoints that may run the demo actions', actions: ['echo', 'echo_limited'] },
      },
    },
    { source: '(dev sandbox config)' },
  );
}
