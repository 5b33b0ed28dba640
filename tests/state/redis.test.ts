/**
 * The Redis store against a real redis-server started for this file: the shared
 * contract (with two store instances standing in for two replicas), plus what only
 * Redis has — key prefixes and failing fast when Redis is gone.
 */
import { RedisStateStore } from '../../src/state';
import { StateUnavailableError } from '../../src/errors/state-unavailable-error';
import { startRedis, type TestRedis } from '../support/redis';
import { describeStateStoreContract } from './store-contract';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.close();
});

describeStateStoreContract('RedisStateStore', async () => {
  const store = new RedisStateStore({ url: redis.url });
  const peer = new RedisStateStore({ url: redis.url });
  return {
    store,
    peer,
    close: async () => {
      await store.close();
      await peer.close();
    },
  };
});

describe('RedisStateStore specifics', () => {
  it('When two brokers use different key prefixes, then they share nothing', async () => {
    const a = new RedisStateStore({ url: redis.url, keyPrefix: 'site-a:' });
    const b = new RedisStateStore({ url: redis.url, keyPrefix: 'site-b:' });
    try {
      await expect(a.claim('k', 'fp', 5000)).resolves.toMatchObject({ kind: 'claimed' });
      await expect(b.claim('k', 'fp', 5000)).resolves.toMatchObject({ kind: 'claimed' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('When Redis is gone, then operations fail fast with StateUnavailableError', async () => {
    const own = await startRedis();
    const store = new RedisStateStore({ url: own.url, commandTimeoutMs: 500 });
    try {
      await expect(store.heldFor('x')).resolves.toBe(0);
      await own.close();
      const started = Date.now();
      await expect(store.claim('k', 'fp', 1000)).rejects.toBeInstanceOf(StateUnavailableError);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await store.close();
    }
  });
});
