/**
 * Secret-ID `metadata` is a string (reference §3.4), parsed like go-secure-stdlib's
 * strutil.ParseArbitraryKeyValues: optionally base64, then a JSON object of strings,
 * else "k=v,k2=v2". The k=v form is lower-cased, de-duplicated and sorted first, as
 * Vault does. Errors carry Vault's text after "failed to parse metadata: ".
 */

export class MetadataParseError extends Error {
  override readonly name = 'MetadataParseError';
}

/** Go's base64.StdEncoding.DecodeString acceptance (padding required; CR/LF ignored). */
function tryBase64(input: string): string | null {
  const compact = input.replace(/[\r\n]/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0) return null;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return null;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** strutil.ParseDedupLowercaseAndSortStrings. */
function dedupLowerSort(input: string, sep: string): string[] {
  const items = input
    .split(sep)
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  return [...new Set(items)].sort();
}

function parseKeyValues(input: string, out: Record<string, string>): void {
  for (const pair of dedupLowerSort(input, ',')) {
    const shards = pair.split('=');
    if (shards.length !== 2) throw new MetadataParseError('invalid <key,value> format');
    const key = shards[0].trim();
    const value = shards[1].trim();
    if (key === '' || value === '') {
      throw new MetadataParseError(`invalid <key,value> pair: key: ${JSON.stringify(key)} value: ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
}

/** JSON into map[string]string: an object whose values are all strings (or null → ""). */
function tryJsonStringMap(input: string, out: Record<string, string>): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return false;
  }
  if (parsed === null) return true; // Go leaves the map as it was
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return false;
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (!entries.every(([, v]) => typeof v === 'string' || v === null)) return false;
  for (const [k, v] of entries) out[k] = v === null ? '' : (v as string);
  return true;
}

export function parseSecretIdMetadata(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  let input = raw.trim();
  if (input === '') return out;
  const decoded = tryBase64(input);
  if (decoded !== null) input = decoded;
  if (!tryJsonStringMap(input, out)) {
    try {
      parseKeyValues(input, out);
    } catch (err) {
      throw new MetadataParseError(`failed to parse the input: ${(err as Error).message}`);
    }
  }
  for (const [key, value] of Object.entries(out)) {
    if (key !== '' && value === '') throw new MetadataParseError(`invalid value for key ${JSON.stringify(key)}`);
  }
  return out;
}
