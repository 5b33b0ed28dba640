/**
 * Idempotency-Key through the real broker over HTTP, against devvault and a counting
 * target: replay, 409 while in flight, 422 for another request, role scoping, stored
 * failures, release when the target did not act, expiry, and two brokers sharing Redis.
 */
import { randomUUID } from 'node:crypto';
import { startRedis, type TestRedis } from '../support/redis';
import { invoke, type RunningBroker, type Site, startBroker, startSite } from '../support/shaping-site';

const key = () => `k-${randomUUID()}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Idempotency-Key on one broker (memory store)', () => {
  let site: Site;
  let broker: RunningBroker;

  beforeAll(async () => {
    site = await startSite({ idempotencyTtlSeconds: 2 });
    broker = await startBroker(site);
  });
  afterAll(async () => {
    await broker?.stop();
    await site?.close();
  });
  beforeEach(() => site.target.behave({}));

  const calls = (k: string) => site.target.stats().by_key[`web/${k}`] ?? 0;

  it('When a completed key is sent again, then the first response is replayed and the target is not called again', async () => {
    const k = key();
    const first = await invoke(broker.url, site.web, 'echo', { message: 'hello' }, k);
    expect(first.status).toBe(200);
    expect(first.body.result).toEqual({ ok: true, message: 'hello' });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await invoke(broker.url, site.web, 'echo', { message: 'hello' }, k);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(calls(k)).toBe(1);
  });

  it('When duplicates arrive while the first is running, then they get 409 with Retry-After and the target is called once', async () => {
    site.target.behave({ delayMs: 400 });
    const k = key();
    const answers = await Promise.all(Array.from({ length: 8 }, () => invoke(broker.url, site.web, 'echo', { message: 'x' }, k)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    const conflict = answers.find((a) => a.status === 409)!;
    expect(conflict.body.error.code).toBe('idempotency_key_in_use');
    expect(Number(conflict.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(calls(k)).toBe(1);
    site.target.behave({});
    const later = await invoke(broker.url, site.web, 'echo', { message: 'x' }, k);
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
  });

  it('When the same key comes with other parameters or another action, then 422 and no target call', async () => {
    const k = key();
    await invoke(broker.url, site.web, 'echo', { message: 'one' }, k);
    const other = await invoke(broker.url, site.web, 'echo', { message: 'two' }, k);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    const otherAction = await invoke(broker.url, site.web, 'echo_other', { message: 'one' }, k);
    expect(otherAction.status).toBe(422);
    expect(calls(k)).toBe(1);
  });

  it('When another role uses the same key, then it gets its own call and never the first role\'s outcome', async () => {
    const k = key();
    const web = await invoke(broker.url, site.web, 'echo', { message: 'from web' }, k);
    const db = await invoke(broker.url, site.db, 'echo', { message: 'from db' }, k);
    expect(db.status).toBe(200);
    expect(db.headers.get('idempotent-replayed')).toBeNull();
    expect(db.body.result.message).toBe('from db');
    expect(db.body.request_id).not.toBe(web.body.request_id);
    expect(site.target.stats().by_key[`db/${k}`]).toBe(1);
  });

  it('When the key is malformed, then 400 naming the header and the target is not called', async () => {
    const before = site.target.stats().total;
    for (const bad of ['has space', 'x'.repeat(129), '""']) {
      const r = await invoke(broker.url, site.web, 'echo', { message: 'm' }, bad);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_idempotency_key');
      expect(r.body.error.message).toContain('Idempotency-Key');
    }
    expect(site.target.stats().total).toBe(before);
  });

  it('When the target fails after being called, then the failure is stored with target_called and replayed', async () => {
    site.target.behave({ failWith: { status: 500 } });
    const k = key();
    const first = await invoke(broker.url, site.web, 'echo', { message: 'm' }, k);
    expect(first.status).toBe(502);
    expect(first.body.error).toMatchObject({ code: 'target_failed', target_called: true });
    site.target.behave({});
    const again = await invoke(broker.url, site.web, 'echo', { message: 'm' }, k);
    expect(again.status).toBe(502);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(calls(k)).toBe(1);
  });

  it('When the target answers 429, then the caller gets 429, the claim is released and a later retry succeeds', async () => {
    site.target.behave({ failWith: { status: 429, retryAfter: '1' } });
    const k = key();
    const first = await invoke(broker.url, site.web, 'echo', { message: 'm' }, k);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.body.error).toMatchObject({ code: 'rate_limited', target_called: false });
    site.target.behave({});
    await sleep(1100);
    const retry = await invoke(broker.url, site.web, 'echo', { message: 'm' }, k);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
  });

  it('When no key is sent, then every request calls the target', async () => {
    const before = site.target.stats().total;
    await invoke(broker.url, site.web, 'echo', { message: 'a' });
    await invoke(broker.url, site.web, 'echo', { message: 'a' });
    expect(site.target.stats().total).toBe(before + 2);
  });

  it('When the record is older than idempotency.ttl_seconds, then the key runs again', async () => {
    const k = key();
    await invoke(broker.url, site.web, 'echo', { message: 'm' }, k);
    await sleep(2100);
    const again = await invoke(broker.url, site.web, 'echo', { message: 'm' }, k);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(calls(k)).toBe(2);
  });

  it('When all this happened, then no log line holds a secret_id or the tool key', () => {
    const text = broker.logs.join('\n');
    for (const secret of [site.web.secretId, site.db.secretId, site.broker.secretId, site.toolKey]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('Idempotency-Key across two brokers sharing Redis', () => {
  let redis: TestRedis;
  let site: Site;
  let a: RunningBroker;
  let b: RunningBroker;

  beforeAll(async () => {
    redis = await startRedis();
    site = await startSite({ store: redis.url });
    a = await startBroker(site);
    b = await startBroker(site);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await site?.close();
    await redis?.close();
  });

  it('When a key completed on one replica is sent to the other, then the other replays it', async () => {
    const k = key();
    const first = await invoke(a.url, site.web, 'echo', { message: 'hi' }, k);
    const second = await invoke(b.url, site.web, 'echo', { message: 'hi' }, k);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(site.target.stats().by_key[`web/${k}`]).toBe(1);
  });

  it('When the same key races on both replicas, then exactly one calls the target', async () => {
    site.target.behave({ delayMs: 300 });
    const k = key();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => invoke(i % 2 ? a.url : b.url, site.web, 'echo', { message: 'race' }, k)),
    );
    site.target.behave({});
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(9);
    expect(site.target.stats().by_key[`web/${k}`]).toBe(1);
  });
});
