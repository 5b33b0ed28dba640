/** The call counter behind the demo target's GET /__stats. */
import { CallStats } from '../../src/dev/call-stats';

describe('call stats', () => {
  it('When calls arrive, then totals, per-key counts and duplicates are kept', () => {
    const s = new CallStats();
    s.record('a', 1000);
    s.record('b', 1001);
    s.record('a', 1002);
    s.record(undefined, 1003);
    expect(s.snapshot()).toMatchObject({ total: 4, by_key: { a: 2, b: 1 }, duplicate_keys: ['a'] });
  });

  it('When calls straddle a second boundary, then the sliding maximum sees what calendar seconds split', () => {
    const s = new CallStats();
    for (const t of [10_600, 10_700, 10_800, 10_900, 11_000, 11_100, 11_200, 11_300]) s.record(undefined, t);
    s.record(undefined, 12_500);
    const snap = s.snapshot();
    expect(snap.max_per_calendar_second).toBe(4);
    expect(snap.max_in_any_second).toBe(8);
    expect(snap.first_call_at).toBe(new Date(10_600).toISOString());
    expect(snap.last_call_at).toBe(new Date(12_500).toISOString());
  });

  it('When more keys arrive than are kept, then the counts stay right and the snapshot says so', () => {
    const s = new CallStats(2);
    s.record('a', 1);
    s.record('b', 2);
    s.record('c', 3);
    s.record('a', 4);
    expect(s.snapshot()).toMatchObject({ total: 4, by_key: { a: 2, b: 1 }, by_key_truncated: true, duplicate_keys: ['a'] });
    s.reset();
    expect(s.snapshot()).toMatchObject({ total: 0, by_key: {}, max_in_any_second: 0 });
  });

  it('When many calls come over a long time, then the window stays exact', () => {
    const s = new CallStats();
    for (let t = 0; t < 20_000; t += 10) s.record(undefined, t); // 100 per second
    s.record(undefined, 20_000);
    expect(s.snapshot().max_in_any_second).toBe(100);
    expect(s.snapshot().max_per_calendar_second).toBe(100);
  });
});
