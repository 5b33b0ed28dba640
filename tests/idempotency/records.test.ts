/**
 * Idempotency-Key semantics on the real in-memory store: header parsing, fingerprints,
 * claim / replay / 409 / 422, role scoping, release when the target was not called.
 */
import { ConflictError } from '../../src/errors/conflict-error';
import { IdempotencyKeyReusedError } from '../../src/errors/idempotency-key-reused-error';
import { InvalidIdempotencyKeyError } from '../../src/errors/invalid-idempotency-key-error';
import { IdempotencyRecords, parseIdempotencyKey, requestFingerprint } from '../../src/idempotency';
import { MemoryStateStore } from '../../src/state';

describe('Idempotency-Key header', () => {
  it('When the key is bare or a structured-field string, then it is accepted', () => {
    expect(parseIdempotencyKey('1234567-89')).toBe('1234567-89');
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['""', 'empty'],
    ['a'.repeat(129), 'longer than 128'],
    ['has space', 'only letters'],
    ['new\nline', 'only letters'],
    ['ünïcode', 'only letters'],
  ])('When the key is %j, then it is refused with 400 saying why', (value, reason) => {
    expect(() => parseIdempotencyKey(value)).toThrow(InvalidIdempotencyKeyError);
    expect(() => parseIdempotencyKey(value)).toThrow(reason);
  });

  it('When the header is sent twice, then it is refused', () => {
    expect(() => parseIdempotencyKey(['a', 'b'])).toThrow(InvalidIdempotencyKeyError);
  });
});

describe('request fingerprint', () => {
  it('When parameters differ only in key order, then the fingerprint is the same', () => {
    const a = requestFingerprint({ action: 'echo', params: { a: 1, b: { c: 2, d: [1, 2] } }, role: 'web' });
    const b = requestFingerprint({ action: 'echo', params: { b: { d: [1, 2], c: 2 }, a: 1 }, role: 'web' });
    expect(a).toBe(b);
  });

  it('When action, a value or the role differs, then the fingerprint differs', () => {
    const base = { action: 'echo', params: { message: 'hi' }, role: 'web' };
    const fp = requestFingerprint(base);
    expect(requestFingerprint({ ...base, action: 'echo2' })).not.toBe(fp);
    expect(requestFingerprint({ ...base, params: { message: 'ho' } })).not.toBe(fp);
    expect(requestFingerprint({ ...base, params: { message: ['hi'] } })).not.toBe(fp);
    expect(requestFingerprint({ ...base, role: 'db' })).not.toBe(fp);
  });
});

describe('idempotency records', () => {
  let store: MemoryStateStore;
  let records: IdempotencyRecords;
  beforeEach(() => {
    store = new MemoryStateStore();
    records = new IdempotencyRecords(store, { ttlMs: 60_000 });
  });
  afterEach(() => store.close());

  const req = (over: Partial<{ role: string; key: string; fingerprint: string }> = {}) => ({
    role: 'web',
    key: 'k1',
    fingerprint: 'fp1',
    leaseMs: 5000,
    ...over,
  });

  it('When a key completes, then a duplicate replays the stored response', async () => {
    const first = await records.begin(req());
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    const response = { status: 200, body: { request_id: 'r1', result: { id: 7 } }, targetCalled: true };
    await expect(first.claim.finish(response)).resolves.toBe(true);
    await expect(records.begin(req())).resolves.toEqual({ kind: 'replay', response });
  });

  it('When a duplicate arrives while the first runs, then it gets 409 with the lease left as Retry-After', async () => {
    await records.begin(req());
    const err = await records.begin(req()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).headers()['Retry-After']).toBe('5');
  });

  it('When the same key comes with other parameters, then it gets 422, running or completed', async () => {
    const first = await records.begin(req());
    await expect(records.begin(req({ fingerprint: 'fp2' }))).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await first.claim.finish({ status: 200, body: {}, targetCalled: true });
    await expect(records.begin(req({ fingerprint: 'fp2' }))).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('When another role uses the same key, then it is a separate record', async () => {
    const first = await records.begin(req());
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await first.claim.finish({ status: 200, body: { secret: 'of web' }, targetCalled: true });
    await expect(records.begin(req({ role: 'db' }))).resolves.toMatchObject({ kind: 'claimed' });
  });

  it('When the claim is abandoned (target not called), then a retry runs again', async () => {
    const first = await records.begin(req());
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await first.claim.abandon();
    await expect(records.begin(req())).resolves.toMatchObject({ kind: 'claimed' });
  });

  it('When a record outlives the TTL, then the key is new again', async () => {
    let now = 1_000_000;
    const timed = new MemoryStateStore({ now: () => now });
    const short = new IdempotencyRecords(timed, { ttlMs: 1000 });
    const first = await short.begin(req());
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await first.claim.finish({ status: 502, body: { error: { code: 'target_failed', target_called: true } }, targetCalled: true });
    now += 999;
    await expect(short.begin(req())).resolves.toMatchObject({ kind: 'replay' });
    now += 2;
    await expect(short.begin(req())).resolves.toMatchObject({ kind: 'claimed' });
    await timed.close();
  });
});
