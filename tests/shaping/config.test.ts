/**
 * The shaping, idempotency and state fields of the broker config: defaults, and bad
 * values reported with their path.
 */
import { ConfigError, validateConfig } from '../../src/config';

const base = {
  vault: { address: 'http://127.0.0.1:8200', broker_auth: { method: 'token', token: { env: 'VAULT_TOKEN' } } },
  targets: {
    tickets: {
      base_url: 'http://127.0.0.1:9000',
      allow_insecure_http: true,
      credential: { ref: 'secret/data/tools/tickets#api_key', inject: { type: 'bearer' } },
    },
  },
  actions: { open: { target: 'tickets', method: 'POST', path: '/tickets' } },
};

function problems(input: unknown): string[] {
  try {
    validateConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('shaping and state configuration', () => {
  it('When nothing is set, then the store is memory, records last 24 h and the breaker has defaults', () => {
    const c = validateConfig(base);
    expect(c.state).toEqual({ store: 'memory', key_prefix: 'credential-broker:' });
    expect(c.idempotency).toEqual({ ttl_seconds: 86_400 });
    expect(c.circuit_breaker).toEqual({ failure_threshold: 5, open_seconds: 30 });
    expect(c.targets.tickets!.rate_limit).toBeUndefined();
  });

  it('When a rate has no burst, then the burst is one second of the rate', () => {
    const c = validateConfig({
      ...base,
      targets: { tickets: { ...base.targets.tickets, rate_limit: { per_second: 2.5, max_concurrent: 4 } } },
      actions: { open: { ...base.actions.open, rate_limit: { per_second: 0.5 } } },
      state: { store: 'redis://127.0.0.1:6380/2' },
    });
    expect(c.targets.tickets!.rate_limit).toEqual({ per_second: 2.5, burst: 3, queue_ms: 1000, max_concurrent: 4 });
    expect(c.actions.open!.rate_limit).toEqual({ per_second: 0.5, burst: 1, queue_ms: 1000 });
    expect(c.state.store).toBe('redis://127.0.0.1:6380/2');
  });

  it('When values are wrong, then each is reported with its path', () => {
    const found = problems({
      ...base,
      targets: { tickets: { ...base.targets.tickets, rate_limit: { per_second: 0, burst: 0, max_concurrent: 1.5 } } },
      actions: { open: { ...base.actions.open, rate_limit: { burst: 3 } } },
      state: { store: 'mysql://x' },
      idempotency: { ttl_seconds: 0 },
      circuit_breaker: { failure_threshold: 0 },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^targets\.tickets\.rate_limit\.per_second: /),
        expect.stringMatching(/^targets\.tickets\.rate_limit\.burst: /),
        expect.stringMatching(/^targets\.tickets\.rate_limit\.max_concurrent: /),
        expect.stringMatching(/^state\.store: must be "memory" or a redis:\/\//),
        expect.stringMatching(/^idempotency\.ttl_seconds: /),
        expect.stringMatching(/^circuit_breaker\.failure_threshold: /),
      ]),
    );
  });

  it('When an action has a burst without a rate, then that is reported', () => {
    const found = problems({ ...base, actions: { open: { ...base.actions.open, rate_limit: { burst: 3 } } } });
    expect(found).toEqual(['actions.open.rate_limit.burst: burst needs per_second']);
  });
});
