/**
 * Key rotation while the broker caches keys (key_cache_seconds > 0, as in production):
 * the security team writes a new key version in Vault and the tool stops accepting the
 * old one. The broker, still holding the old key, is refused by the tool, reads the key
 * again and retries once — no restart, no error for the endpoint.
 */
import { startHarness, type Harness } from '../support/broker-harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ keyCacheSeconds: 3600 });
});
afterAll(async () => {
  await h?.close();
});

const ticket = { queue: 'ops', summary: 'rotated' };

test('When the tool key is rotated in Vault while the old one is cached, then the next call succeeds with the new key', async () => {
  const oldKey = h.toolKey;
  const first = await h.invoke('echo', ticket);
  expect(first.status).toBe(200);
  const cached = await h.invoke('echo', ticket);
  expect(cached.status).toBe(200);
  // The second call used the cached key: no KV read in its audit event.
  const audit = (id: string) => h.logs.map((l) => JSON.parse(l)).find((l) => l.log_type === 'audit' && l.request_id === id);
  expect(audit(cached.json.request_id).vault_request_ids).toHaveLength(2);

  const newKey = await h.rotateKey(); // Vault has the new version; the tool accepts only it
  h.target.calls.length = 0;
  const res = await h.invoke('echo', ticket);
  expect(res.status).toBe(200);
  expect(h.target.calls.map((c) => c.headers.authorization)).toEqual([`Bearer ${oldKey}`, `Bearer ${newKey}`]);

  // From now on the new key comes from the cache: one call, no refusal.
  h.target.calls.length = 0;
  const after = await h.invoke('echo', ticket);
  expect(after.status).toBe(200);
  expect(h.target.calls.map((c) => c.headers.authorization)).toEqual([`Bearer ${newKey}`]);
});

test('When the tool refuses a key that was just read from Vault, then the broker does not retry (502)', async () => {
  h.target.acceptKey('a-key-nobody-has');
  try {
    h.target.calls.length = 0;
    // The cached key is refused, the fresh read gives the same key, which is refused too.
    const res = await h.invoke('echo', ticket);
    expect(res.status).toBe(502);
    expect(h.target.calls).toHaveLength(2);
    h.target.calls.length = 0;
    const again = await h.invoke('echo', ticket);
    expect(again.status).toBe(502);
    expect(h.target.calls).toHaveLength(1);
  } finally {
    h.target.acceptKey(h.toolKey);
  }
});
