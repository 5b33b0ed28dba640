/**
 * Reading the Idempotency-Key request header (IETF httpapi Idempotency-Key draft). The
 * draft makes the value a Structured Field string (`"…"`); the endpoint scripts send it
 * bare (`<computer id>-<action id>`). Both are accepted, and the key is limited to a
 * plain character set so it can never smuggle anything into a store key, a log line or
 * the header the broker forwards to the target.
 */
import { InvalidIdempotencyKeyError } from '../errors/invalid-idempotency-key-error';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
const KEY_CHARS = /^[A-Za-z0-9._:~+=/-]+$/;

/** The key, or undefined when the header is absent. Throws InvalidIdempotencyKeyError (400). */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) {
    if (header.length !== 1) throw new InvalidIdempotencyKeyError('send the header once');
    return parseIdempotencyKey(header[0]);
  }
  let value = header.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  if (value.length === 0) throw new InvalidIdempotencyKeyError('it is empty');
  if (value.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new InvalidIdempotencyKeyError(`it is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  if (!KEY_CHARS.test(value)) {
    throw new InvalidIdempotencyKeyError('only letters, digits and . _ : ~ + = / - are allowed');
  }
  return value;
}
