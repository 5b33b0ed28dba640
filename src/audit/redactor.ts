/**
 * Redaction: what keeps secret_ids, tokens, tool keys and Authorization headers out of
 * every log line. It works three ways, because any one of them alone leaks:
 *  - by key name: values under keys like `authorization`, `x-vault-token`, `secret_id`,
 *    `*_token`, `password`, `api_key` (and header names registered from the config)
 *    are replaced whatever they contain;
 *  - by value: secrets the broker handles at runtime (an endpoint's secret_id and Vault
 *    token, the broker's token, tool keys) are registered here and replaced wherever they
 *    appear, also inside free text such as an error message or a serialized request body;
 *  - by shape: Vault token formats, `Basic …`/`Bearer …` credentials and `key=value`
 *    pairs with a sensitive key in strings.
 * Errors (also axios and node-vault errors, whose config carries headers and bodies)
 * are reduced to name, message, code, status and stack before any of that runs.
 */

export const REDACTED = '[REDACTED]';

/** Where code hands the redactor a secret it has just come to hold. */
export interface SecretRegistry {
  registerSecret(value: string | undefined | null): void;
}

/** Key names (lower-case, with `-` and `_` removed) whose values are always secret. */
const SENSITIVE_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'xvaulttoken',
  'cookie',
  'setcookie',
  'secretid',
  'secret',
  'password',
  'passwd',
  'apikey',
  'xapikey',
  'privatekey',
  'key',
  'credential',
  'credentials',
  'unsealkey',
]);
/** …and key names ending in these. */
const SENSITIVE_SUFFIXES = ['token', 'secret', 'secretid', 'password', 'apikey', 'privatekey'];

/** Shorter values are not registered: replacing them everywhere would garble logs. */
const MIN_SECRET_LENGTH = 6;
/** Registered values are kept in insertion order and the oldest dropped beyond this. */
const MAX_REGISTERED = 2048;
const MAX_DEPTH = 8;

const normalizeKey = (key: string) => key.toLowerCase().replace(/[-_\s]/g, '');

const SHAPES: [RegExp, string][] = [
  // Vault tokens: hvs./hvb./hvr. (1.10+) and the older s./b./r. forms.
  [/\bhv[sbr]\.[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\b[sbr]\.[A-Za-z0-9]{24}\b/g, REDACTED],
  // HTTP credentials in free text.
  [/\b(Basic|Bearer|Token)(\s+)[A-Za-z0-9._~+/=-]{6,}/gi, `$1$2${REDACTED}`],
];

export class Redactor implements SecretRegistry {
  private readonly extraKeys = new Set<string>();
  /** Registered values, oldest first. */
  private readonly secrets = new Set<string>();
  /**
   * Each registered value and its URL-encoded form, by their first MIN_SECRET_LENGTH
   * characters. Every login registers a token, so up to MAX_REGISTERED values are kept;
   * looking each one up in every string of every log line cost milliseconds per line
   * (the broker's throughput limit in `npm run bench`). With this index a string is
   * scanned once, whatever the number of registered values.
   */
  private readonly byPrefix = new Map<string, Map<string, number>>();
  private pairPattern: RegExp = this.buildPairPattern();

  /** A key name (e.g. a configured credential header or query parameter) whose values are secret. */
  registerSensitiveKey(name: string): void {
    this.extraKeys.add(normalizeKey(name));
    this.pairPattern = this.buildPairPattern();
  }

  registerSecret(value: string | undefined | null): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    if (this.secrets.delete(value)) this.secrets.add(value);
    else {
      this.secrets.add(value);
      for (const form of forms(value)) this.index(form, true);
    }
    if (this.secrets.size > MAX_REGISTERED) {
      const oldest = this.secrets.values().next().value;
      if (oldest !== undefined) {
        this.secrets.delete(oldest);
        for (const form of forms(oldest)) this.index(form, false);
      }
    }
  }

  /** Counts each form, since one secret's raw form may be another's encoded form. */
  private index(form: string, add: boolean): void {
    const prefix = form.slice(0, MIN_SECRET_LENGTH);
    let known = this.byPrefix.get(prefix);
    if (!known) {
      if (!add) return;
      known = new Map();
      this.byPrefix.set(prefix, known);
    }
    const count = (known.get(form) ?? 0) + (add ? 1 : -1);
    if (count > 0) known.set(form, count);
    else known.delete(form);
    if (known.size === 0) this.byPrefix.delete(prefix);
  }

  /** Replaces every registered value (leftmost, longest first) with REDACTED. */
  private replaceRegistered(text: string): string {
    if (this.byPrefix.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    let out = '';
    let copied = 0;
    let i = 0;
    while (i + MIN_SECRET_LENGTH <= text.length) {
      const candidates = this.byPrefix.get(text.slice(i, i + MIN_SECRET_LENGTH));
      let match = 0;
      if (candidates) {
        for (const c of candidates.keys()) if (c.length > match && text.startsWith(c, i)) match = c.length;
      }
      if (match > 0) {
        out += text.slice(copied, i) + REDACTED;
        i += match;
        copied = i;
      } else {
        i += 1;
      }
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  isSensitiveKey(key: string): boolean {
    const k = normalizeKey(key);
    return SENSITIVE_KEYS.has(k) || this.extraKeys.has(k) || SENSITIVE_SUFFIXES.some((s) => k.endsWith(s));
  }

  redactString(text: string): string {
    let out = this.replaceRegistered(text);
    for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement);
    return out.replace(this.pairPattern, `$1${REDACTED}`);
  }

  /** A redacted deep copy of any value, safe to log. */
  redact(value: unknown): unknown {
    return this.walk(value, 0, new WeakSet());
  }

  private walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'function' || typeof value === 'symbol') return undefined;
      return value;
    }
    if (seen.has(value)) return '[circular]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    seen.add(value);
    try {
      if (value instanceof Error) return this.walk(summarizeError(value), depth, seen);
      if (value instanceof Date) return value.toISOString();
      if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[binary ${(value as Uint8Array).byteLength} bytes]`;
      if (Array.isArray(value)) return value.map((v) => this.walk(v, depth + 1, seen));
      if (value instanceof Map) return this.walkEntries([...value.entries()].map(([k, v]) => [String(k), v]), depth, seen);
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        // Sockets, agents, requests, class instances: nothing useful and much to leak.
        return `[${(value.constructor as { name?: string } | undefined)?.name ?? 'object'}]`;
      }
      return this.walkEntries(Object.entries(value), depth, seen);
    } finally {
      seen.delete(value);
    }
  }

  private walkEntries(entries: [string, unknown][], depth: number, seen: WeakSet<object>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      if (v === undefined) continue;
      out[k] = this.isSensitiveKey(k) && v !== null && v !== '' ? REDACTED : this.walk(v, depth + 1, seen);
    }
    return out;
  }

  private buildPairPattern(): RegExp {
    // `"secret_id":"…"`, `secret_id=…`, `X-Vault-Token: …` inside a string.
    const names = [
      'authorization',
      'x-vault-token',
      'secret_id',
      'secret',
      'client_token',
      'token',
      'password',
      'api_key',
      'apikey',
      'x-api-key',
      ...this.extraKeys,
    ];
    const alternatives = [...new Set(names)]
      .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[-_]/g, '[-_]?'))
      .join('|');
    return new RegExp(`((?:["']?)(?:[A-Za-z0-9_-]*[-_])?(?:${alternatives})["']?\\s*[:=]\\s*["']?)(?!\\[REDACTED\\])[^"'&\\s,;}]+`, 'gi');
  }
}

/** A secret as it appears verbatim, and URL-encoded (query strings, form bodies). */
function forms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  return encoded === secret ? [secret] : [secret, encoded];
}

/**
 * Reduces an error to what helps an operator and cannot carry a credential: never the
 * request config, headers or body of an axios or node-vault error, and never a target's
 * or Vault's response body (only Vault's `errors` texts, which are Vault's own words).
 */
export function summarizeError(err: Error): Record<string, unknown> {
  const e = err as Error & {
    code?: unknown;
    status?: unknown;
    statusCode?: unknown;
    isAxiosError?: boolean;
    config?: { method?: unknown; url?: unknown; baseURL?: unknown };
    response?: { status?: unknown; statusCode?: unknown; body?: { errors?: unknown } };
    cause?: unknown;
  };
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  const status = e.response?.statusCode ?? e.response?.status ?? e.statusCode ?? e.status;
  if (typeof status === 'number') out.status = status;
  if (e.isAxiosError && e.config) {
    out.method = typeof e.config.method === 'string' ? e.config.method.toUpperCase() : undefined;
    if (typeof e.config.url === 'string') out.url = stripQuery(e.config.url);
  }
  const vaultErrors = e.response?.body?.errors;
  if (Array.isArray(vaultErrors)) out.vault_errors = vaultErrors.filter((x) => typeof x === 'string');
  // Our own taxonomy carries safe structured details.
  for (const key of ['fields', 'info', 'action', 'target', 'timeoutMs', 'retryAfterSeconds', 'limitBytes', 'problems']) {
    const v = (e as unknown as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'function') out[key] = v;
  }
  if (e.stack) out.stack = e.stack;
  if (e.cause !== undefined) out.cause = e.cause instanceof Error ? summarizeError(e.cause) : e.cause;
  return out;
}

/** Query strings can carry a credential (`?api_key=`); the path is enough for a log. */
function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : `${url.slice(0, i)}?[query removed]`;
}
