/**
 * The endpoint retry policy (the scripts' documented behaviour, played by `simulate`).
 */
import { jitterWindowSeconds, nextStep, parseRetryAfter } from '../../src/bigfix/retry-policy';

const most = (n: number) => n;
const least = () => 0;

describe('endpoint retry policy', () => {
  it('When the answer is 409, 429 or 503, then it is retried; other statuses are not', () => {
    for (const status of [409, 429, 503]) {
      expect(nextStep({ kind: 'response', status, retryAfterSeconds: 1 }, 1, 60, least)).toEqual({ retry: true, waitSeconds: 1 });
    }
    for (const status of [200, 400, 401, 403, 404, 413, 422, 500, 502, 504]) {
      expect(nextStep({ kind: 'response', status }, 1, 60)).toEqual({ retry: false, reason: 'not_retryable' });
    }
  });

  it('When the connection failed, then it is retried with full jitter from 1 s', () => {
    expect(nextStep({ kind: 'transport_error' }, 1, 60, least)).toEqual({ retry: true, waitSeconds: 1 });
    expect(nextStep({ kind: 'transport_error' }, 1, 60, most)).toEqual({ retry: true, waitSeconds: 3 });
    expect(nextStep({ kind: 'transport_error' }, 3, 60, most)).toEqual({ retry: true, waitSeconds: 9 });
  });

  it('When Retry-After is given, then the wait is at least Retry-After plus jitter capped at 10 s', () => {
    expect(nextStep({ kind: 'response', status: 429, retryAfterSeconds: 4 }, 1, 60, most)).toEqual({ retry: true, waitSeconds: 6 });
    expect(nextStep({ kind: 'response', status: 429, retryAfterSeconds: 4 }, 4, 60, most)).toEqual({ retry: true, waitSeconds: 14 });
    expect(nextStep({ kind: 'response', status: 429, retryAfterSeconds: 4 }, 9, 60, most)).toEqual({ retry: true, waitSeconds: 14 });
  });

  it('When the jitter window grows, then it doubles up to 16 s and is 30 s from the fifth attempt', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(jitterWindowSeconds)).toEqual([2, 4, 8, 16, 30, 30, 30]);
  });

  it('When Retry-After does not fit before the deadline, then it gives up instead of coming back early', () => {
    expect(nextStep({ kind: 'response', status: 429, retryAfterSeconds: 10 }, 1, 10, least)).toEqual({ retry: false, reason: 'deadline' });
    expect(nextStep({ kind: 'transport_error' }, 1, 1, least)).toEqual({ retry: false, reason: 'deadline' });
  });

  it('When the jittered wait would pass the deadline, then it is cut to what is left', () => {
    expect(nextStep({ kind: 'response', status: 503, retryAfterSeconds: 2 }, 4, 6, most)).toEqual({ retry: true, waitSeconds: 5 });
  });

  it('When a random source is not given, then waits stay within their bounds', () => {
    for (let i = 0; i < 200; i += 1) {
      const step = nextStep({ kind: 'response', status: 429, retryAfterSeconds: 3 }, 2, 600);
      if (!step.retry) throw new Error('expected a retry');
      expect(step.waitSeconds).toBeGreaterThanOrEqual(3);
      expect(step.waitSeconds).toBeLessThanOrEqual(7);
    }
  });

  it('When Retry-After is a date or junk, then it counts as absent, like the scripts', () => {
    expect(parseRetryAfter('12')).toBe(12);
    expect(parseRetryAfter(' 3 ')).toBe(3);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
