import { parseDuration, parseDurationExact, DurationParseError } from '../../src/vault-policy';

describe('parseDuration (Vault parseutil.ParseDurationSecond)', () => {
  test.each<[string | number, number]>([
    [0, 0],
    [300, 300],
    [1.9, 1],
    ['', 0],
    ['0', 0],
    ['300', 300],
    ['+30', 30],
    ['15s', 15],
    ['20m', 1200],
    ['25h', 90000],
    ['1h30m', 5400],
    ['1h30m15s', 5415],
    ['1.5h', 5400],
    ['1500ms', 1],
    ['999ms', 0],
    ['7d', 604800],
    ['-5s', -5],
    ['-0s', 0],
  ])('%j → %d seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  test('exact seconds keep fractions', () => {
    expect(parseDurationExact('1500ms')).toBe(1.5);
    expect(parseDurationExact('250us')).toBeCloseTo(0.00025);
  });

  test.each([
    ['abc', 'time: invalid duration "abc"'],
    ['5', null],
    ['1.5', 'time: missing unit in duration "1.5"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['1h30', 'time: missing unit in duration "1h30"'],
    ['h', 'time: invalid duration "h"'],
    ['-', 'time: invalid duration "-"'],
    ['1.5d', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    [' 5s', 'time: invalid duration " 5s"'],
  ])('%j', (input, message) => {
    if (message === null) {
      expect(parseDuration(input)).toBe(5);
      return;
    }
    expect(() => parseDuration(input)).toThrow(DurationParseError);
    expect(() => parseDuration(input)).toThrow(message);
  });

  test.each([NaN, Infinity, -Infinity])('%p is refused', (n) => {
    expect(() => parseDuration(n)).toThrow('could not parse duration from input');
  });

  test('non-string, non-number input is refused with the input kept on the error', () => {
    let caught: unknown;
    try {
      parseDuration({} as unknown as string);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DurationParseError);
    expect((caught as DurationParseError).name).toBe('DurationParseError');
    expect((caught as DurationParseError).message).toBe('could not parse duration from input');
  });
});
