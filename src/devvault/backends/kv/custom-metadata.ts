/**
 * KV v2 `custom_metadata` (path_metadata.go): string values only, at most 64 keys,
 * key length 1..128 bytes, value length 1..512 bytes, printable characters only.
 * Every problem is reported at once, in Vault's multierror text.
 */
import { LogicalError } from '../../backend';
import { FieldConversionError, toStr } from '../fields';
import { multierrorText } from '../go-json';

const MAX_KEYS = 64;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 512;
const PREFIX = 'custom_metadata validation failed';

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const NOT_PRINTABLE = /[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

/** Converts the raw map; with `dropNulls` (PATCH) a null value means "remove this key". */
export function parseCustomMetadata(raw: Record<string, unknown>, dropNulls: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null && dropNulls) {
      out[key] = null;
      continue;
    }
    try {
      out[key] = toStr(value);
    } catch (err) {
      const reason = err instanceof FieldConversionError ? err.message : String(err);
      throw new LogicalError(`${PREFIX}: ${reason}`);
    }
  }
  return out;
}

export function validateCustomMetadata(meta: Record<string, string | null>): void {
  const keys = Object.keys(meta);
  const errors: string[] = [];
  if (keys.length > MAX_KEYS) {
    errors.push(`${PREFIX}: payload must contain at most ${MAX_KEYS} keys, provided ${keys.length}`);
  } else {
    for (const key of keys) {
      const value = meta[key];
      if (value === null) continue;
      const keyLen = Buffer.byteLength(key);
      if (keyLen === 0 || keyLen > MAX_KEY_LENGTH) {
        errors.push(`${PREFIX}: length of key ${JSON.stringify(key)} is ${keyLen} but must be 0 < len(key) <= ${MAX_KEY_LENGTH}`);
      }
      const valueLen = Buffer.byteLength(value);
      if (valueLen === 0 || valueLen > MAX_VALUE_LENGTH) {
        errors.push(
          `${PREFIX}: length of value for key ${JSON.stringify(key)} is ${valueLen} but must be 0 < len(value) <= ${MAX_VALUE_LENGTH}`,
        );
      }
      if (NOT_PRINTABLE.test(key)) {
        errors.push(`${PREFIX}: key ${JSON.stringify(key)} (${key}) contains unprintable characters`);
      }
      if (NOT_PRINTABLE.test(value)) {
        errors.push(`${PREFIX}: value for key ${JSON.stringify(key)} contains unprintable characters`);
      }
    }
  }
  if (errors.length > 0) throw new LogicalError(multierrorText(errors));
}
