/**
 * Request-field parsing with the weak typing of Vault's sdk/framework (FieldData):
 * a number may arrive as a string, a list as a comma string, a duration as "1h" or
 * seconds. Vault validates every known field of a request before the handler runs and
 * answers a bad one with 400 "Field validation failed: error converting input …";
 * `parseFields` does the same so handlers only ever see well-typed values.
 */
import { LogicalError } from '../backend';
import { parseDurationSeconds } from './duration';
import { FieldConversionError } from './field-conversion-error';

export { FieldConversionError };

export type FieldType =
  | 'string'
  | 'bool'
  | 'int'
  | 'duration'
  | 'signedDuration'
  | 'commaStringSlice'
  | 'commaIntSlice'
  | 'map';

export type FieldSchema = Record<string, FieldType>;

/** Parsed values of the fields present in the request (absent fields are absent). */
export type Parsed = Record<string, unknown>;

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** mapstructure's weak decoding to int (json.Number semantics: no fractions). */
export function toInt(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new FieldConversionError(`strconv.ParseInt: parsing "${value}": invalid syntax`);
    return value;
  }
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return 0;
    if (!/^[+-]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[0-9]+)$/.test(s)) {
      throw new FieldConversionError(`cannot parse '' as int: strconv.ParseInt: parsing "${value}": invalid syntax`);
    }
    const negative = s.startsWith('-');
    const body = s.replace(/^[+-]/, '');
    let n: number;
    if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
    else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
    else if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
    else if (/^0[0-7]+$/.test(body)) n = parseInt(body.slice(1), 8);
    else n = parseInt(body, 10);
    return negative ? -n : n;
  }
  throw new FieldConversionError(`'' expected type 'int', got unconvertible type '${Array.isArray(value) ? '[]interface {}' : 'map[string]interface {}'}'`);
}

/** strconv.ParseBool plus mapstructure's number → bool. */
export function toBool(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(value)) return false;
    throw new FieldConversionError(`strconv.ParseBool: parsing "${value}": invalid syntax`);
  }
  throw new FieldConversionError(`'' expected type 'bool', got unconvertible type '${typeof value}'`);
}

/** mapstructure's weak decoding to string: numbers print, booleans become "1"/"0". */
export function toStr(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  throw new FieldConversionError(`'' expected type 'string', got unconvertible type '${Array.isArray(value) ? '[]interface {}' : 'map[string]interface {}'}'`);
}

/** parseutil.ParseCommaStringSlice: "a, b" or ["a","b"]; entries trimmed, empties kept. */
export function toCommaStringSlice(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') {
    if (value === '') return [];
    return value.split(',').map((s) => s.trim());
  }
  if (Array.isArray(value)) return value.map((v) => toStr(v).trim());
  return [toStr(value).trim()];
}

/** TypeCommaIntSlice: [1, "2"] or "1,2" or 3. */
export function toCommaIntSlice(value: unknown): number[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') {
    if (value.trim() === '') return [];
    return value.split(',').map((s) => toInt(s.trim()));
  }
  if (Array.isArray(value)) return value.map((v) => toInt(v));
  return [toInt(value)];
}

function toMap(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  if (Array.isArray(value) && value.length === 0) return {};
  throw new FieldConversionError(`'' expected a map, got '${Array.isArray(value) ? 'slice' : typeof value}'`);
}

function convert(type: FieldType, value: unknown): unknown {
  switch (type) {
    case 'string':
      return toStr(value);
    case 'bool':
      return toBool(value);
    case 'int':
      return toInt(value);
    case 'duration': {
      const secs = parseDurationSeconds(value);
      if (secs < 0) throw new FieldConversionError(`cannot provide negative value '${secs}'`);
      return secs;
    }
    case 'signedDuration':
      return parseDurationSeconds(value);
    case 'commaStringSlice':
      return toCommaStringSlice(value);
    case 'commaIntSlice':
      return toCommaIntSlice(value);
    case 'map':
      return toMap(value);
  }
}

/**
 * Converts every field of `raw` that the schema knows; unknown fields are ignored,
 * like Vault (reference §13). A conversion failure is a 400 naming the field.
 */
export function parseFields(raw: Record<string, unknown>, schema: FieldSchema): Parsed {
  const out: Parsed = {};
  for (const [key, type] of Object.entries(schema)) {
    if (!Object.prototype.hasOwnProperty.call(raw, key) || raw[key] === undefined) continue;
    try {
      out[key] = convert(type, raw[key]);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new LogicalError(
        `Field validation failed: error converting input ${describe(raw[key])} for field "${key}": ${reason}`,
      );
    }
  }
  return out;
}

/** Request fields for a GET/LIST come from the query string, for writes from the body. */
export function requestData(ctx: { body: Record<string, unknown>; query: Record<string, string> }): Record<string, unknown> {
  return { ...ctx.query, ...ctx.body };
}

export function has(parsed: Parsed, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(parsed, key);
}
