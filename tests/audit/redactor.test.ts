/**
 * Redaction of registered secret values (src/audit/redactor.ts). The broker registers a
 * token per login, so the redactor holds up to 2048 values; these tests pin down what
 * is replaced when many values are registered (the speed is measured by `npm run bench`).
 */
import { REDACTED, Redactor } from '../../src/audit/redactor';

describe('Redactor, registered values', () => {
  it('When a registered value appears anywhere in a string, then every occurrence is replaced', () => {
    const r = new Redactor();
    r.registerSecret('3f1c9a0e-aaaa-bbbb-cccc-0123456789ab');
    expect(r.redactString('id=3f1c9a0e-aaaa-bbbb-cccc-0123456789ab and again 3f1c9a0e-aaaa-bbbb-cccc-0123456789ab!')).toBe(
      `id=${REDACTED} and again ${REDACTED}!`,
    );
    expect(r.redactString('3f1c9a0e-aaaa-bbbb-cccc-0123456789ab')).toBe(REDACTED);
  });

  it('When a registered value appears URL-encoded, then the encoded form is replaced too', () => {
    const r = new Redactor();
    r.registerSecret('k3y/with+special=chars');
    expect(r.redactString(`q=${encodeURIComponent('k3y/with+special=chars')}&x=1`)).not.toContain('special');
    expect(r.redactString('plain k3y/with+special=chars end')).toBe(`plain ${REDACTED} end`);
  });

  it('When two registered values share a beginning, then the longer one is replaced whole', () => {
    const r = new Redactor();
    r.registerSecret('abcdef-short');
    r.registerSecret('abcdef-short-and-longer');
    expect(r.redactString('x abcdef-short-and-longer y abcdef-short z')).toBe(`x ${REDACTED} y ${REDACTED} z`);
  });

  it('When values shorter than 6 characters are registered, then they are ignored', () => {
    const r = new Redactor();
    r.registerSecret('abc12');
    expect(r.redactString('abc12 stays')).toBe('abc12 stays');
  });

  it('When more than 2048 values are registered, then the oldest is forgotten and the newest still replaced', () => {
    const r = new Redactor();
    const value = (i: number) => `secret-value-${String(i).padStart(5, '0')}`;
    for (let i = 0; i < 2049; i++) r.registerSecret(value(i));
    expect(r.redactString(value(0))).toBe(value(0));
    expect(r.redactString(value(1))).toBe(REDACTED);
    expect(r.redactString(value(2048))).toBe(REDACTED);
  });

  it('When a value is registered again, then it counts as new and outlives older ones', () => {
    const r = new Redactor();
    const value = (i: number) => `secret-value-${String(i).padStart(5, '0')}`;
    for (let i = 0; i < 2048; i++) r.registerSecret(value(i));
    r.registerSecret(value(0));
    r.registerSecret('one-more-secret-value');
    expect(r.redactString(value(0))).toBe(REDACTED);
    expect(r.redactString(value(1))).toBe(value(1));
  });

  it('When 2048 values are registered, then a log line full of strings is redacted field by field', () => {
    const r = new Redactor();
    for (let i = 0; i < 2048; i++) r.registerSecret(`hvb.${'x'.repeat(20)}${i}`);
    const leaked = 'e7d1c0de-0000-4000-8000-00000000feed';
    r.registerSecret(leaked);
    const line = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field_${i}`, `value ${i} ${i === 7 ? leaked : 'plain text'}`]));
    const out = r.redact(line) as Record<string, string>;
    expect(out.field_7).toBe(`value 7 ${REDACTED}`);
    expect(JSON.stringify(out)).not.toContain(leaked);
  });
});
