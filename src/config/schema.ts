/**
 * The broker's YAML configuration, as a zod schema. Parsing reports every problem at
 * once with its path (see load.ts); cross-field rules (an action's target exists, its
 * templates only name declared parameters, TLS is required off loopback) live in the
 * superRefine at the bottom so they are reported together with the shape problems.
 *
 * Every field is documented in README.md, "Configuration reference".
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { bootstrapSchema, endpointAuthSchema, endpointGroupSchema } from './identity-schema';

/** `{name}` inside a path, query or body template. */
export const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Action names become a Vault path segment (the marker path) and a URL segment. */
export const ACTION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const TARGET_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** RFC 9110 token, the only characters a header name may have. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `<kv v2 mount>/data/<path>#<field>`, e.g. `secret/data/tools/ticketing#api_key`. */
const CREDENTIAL_REF = /^([A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*)\/data\/([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*)#([A-Za-z0-9_.-]+)$/;
const RESULT_FIELD = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/**
 * Headers the broker sets itself or that change how the request is framed or routed;
 * a config may not set them (a credential header or static header named `Host` would
 * let config redirect or smuggle the request).
 */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
  'proxy-authorization',
  'expect',
]);

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True for names and addresses that only reach this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (LOOPBACK_NAMES.has(h)) return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function isValidCidr(value: string): boolean {
  const [addr, bits, extra] = value.split('/');
  if (extra !== undefined || addr === undefined) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const positiveMs = (def: number) => z.number().int().min(1).max(600_000).default(def);

const filePath = z.string().min(1, 'must not be empty');

/**
 * Where a secret (or the broker's role_id) comes from. Written as `{ file: PATH }` or
 * `{ env: NAME }` in YAML and turned into a tagged union, so code cannot look at a
 * half-filled source.
 */
export type ValueSource =
  | { kind: 'file'; path: string }
  | { kind: 'env'; name: string }
  | { kind: 'inline'; value: string };

function valueSource(allowInline: boolean) {
  const shape = {
    file: filePath.optional(),
    env: z.string().regex(ENV_NAME, 'must be an environment variable name').optional(),
    ...(allowInline ? { value: z.string().min(1).optional() } : {}),
  };
  const keys = Object.keys(shape).map((k) => `"${k}"`).join(', ');
  return z
    .strictObject(shape)
    .refine((v) => Object.values(v).filter((x) => x !== undefined).length === 1, {
      message: `give exactly one of ${keys}`,
    })
    .transform((v): ValueSource => {
      const rec = v as { file?: string; env?: string; value?: string };
      if (rec.file !== undefined) return { kind: 'file', path: rec.file };
      if (rec.env !== undefined) return { kind: 'env', name: rec.env };
      return { kind: 'inline', value: rec.value as string };
    });
}

const listenSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8443),
  tls: z.strictObject({ cert_file: filePath, key_file: filePath }).optional(),
  allow_insecure_http: z.boolean().default(false),
  max_body_bytes: z.number().int().min(64).max(10 * 1024 * 1024).default(16 * 1024),
  trusted_proxies: z
    .array(z.string().refine(isValidCidr, 'must be an IP address or CIDR block'))
    .default([]),
  shutdown_grace_ms: z.number().int().min(0).max(600_000).default(10_000),
});

const brokerAuthSchema = z.discriminatedUnion('method', [
  z.strictObject({
    method: z.literal('approle'),
    /** Defaults to vault.approle_mount. */
    mount: z.string().regex(/^[a-z0-9][a-z0-9_/-]*$/).optional(),
    role_id: valueSource(true),
    secret_id: valueSource(false),
  }),
  z.strictObject({
    method: z.literal('token'),
    token: valueSource(false),
  }),
]);

const vaultSchema = z.strictObject({
  address: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .transform((u) => u.replace(/\/+$/, '')),
  namespace: z.string().min(1).optional(),
  tls: z.strictObject({ ca_file: filePath.optional() }).optional(),
  approle_mount: z.string().regex(/^[a-z0-9][a-z0-9_/-]*$/, 'must be a mount path like "approle"').default('approle'),
  request_timeout_ms: positiveMs(5_000),
  retry_after_seconds: z.number().int().min(1).max(3600).default(5),
  action_marker_prefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\/$/, 'must be a path ending in "/", like "broker/actions/"')
    .default('broker/actions/'),
  broker_auth: brokerAuthSchema,
});

const headerName = z
  .string()
  .regex(HEADER_NAME, 'must be a valid HTTP header name')
  .refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), 'is a header the broker controls');

const injectSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer') }),
  z.strictObject({
    type: z.literal('header'),
    name: headerName,
    template: z
      .string()
      .default('{key}')
      .refine((t) => t.split('{key}').length === 2, 'must contain "{key}" exactly once')
      .refine((t) => !/[\r\n]/.test(t), 'must not contain line breaks'),
  }),
  z.strictObject({
    type: z.literal('basic'),
    username: z.string().min(1).refine((u) => !u.includes(':') && !/[\r\n]/.test(u), 'must not contain ":" or line breaks'),
  }),
  z.strictObject({ type: z.literal('query'), name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a plain query parameter name') }),
]);

/**
 * Traffic shaping for a target or an action (src/shaping): a token bucket refilled at
 * `per_second` holding up to `burst` (default: one second's worth), a call waiting up
 * to `queue_ms` in the broker for its token before it is refused, and at most
 * `max_concurrent` calls in flight. Shared across replicas when `state.store` is Redis.
 */
const rateLimitSchema = z
  .strictObject({
    per_second: z.number().positive().max(1_000_000).optional(),
    burst: z.number().int().min(1).max(1_000_000).optional(),
    queue_ms: z.number().int().min(0).max(60_000).default(1000),
    max_concurrent: z.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((r) => r.burst === undefined || r.per_second !== undefined, {
    message: 'burst needs per_second',
    path: ['burst'],
  })
  .transform((r) => ({
    ...r,
    burst: r.per_second === undefined ? undefined : (r.burst ?? Math.max(1, Math.ceil(r.per_second))),
  }));

const targetSchema = z.strictObject({
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  allow_insecure_http: z.boolean().default(false),
  credential: z.strictObject({
    ref: z
      .string()
      .regex(CREDENTIAL_REF, 'must look like "<kv v2 mount>/data/<path>#<field>", e.g. "secret/data/tools/ticketing#api_key"'),
    inject: injectSchema,
  }),
  timeout_ms: positiveMs(10_000),
  tls: z.strictObject({ ca_file: filePath.optional() }).optional(),
  headers: z.record(headerName, z.string().refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks')).default({}),
  request_id_header: z.string().regex(HEADER_NAME).default('x-request-id'),
  max_response_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  rate_limit: rateLimitSchema.optional(),
});

const common = { required: z.boolean().default(true), description: z.string().optional() };

const parameterSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('string'),
    ...common,
    min_length: z.number().int().min(0).optional(),
    max_length: z.number().int().min(1).max(65_536).default(1024),
    pattern: z
      .string()
      .refine((p) => {
        try {
          new RegExp(p, 'u');
          return true;
        } catch {
          return false;
        }
      }, 'is not a valid regular expression')
      .optional(),
    enum: z.array(z.string()).min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('integer'),
    ...common,
    minimum: z.number().int().optional(),
    maximum: z.number().int().optional(),
    enum: z.array(z.number().int()).min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('number'),
    ...common,
    minimum: z.number().optional(),
    maximum: z.number().optional(),
  }),
  z.strictObject({ type: z.literal('boolean'), ...common }),
]);

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const actionSchema = z.strictObject({
  description: z.string().optional(),
  target: z.string().min(1),
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], { error: 'must be GET, POST, PUT, PATCH or DELETE' })),
  path: z
    .string()
    .startsWith('/', 'must start with "/"')
    .refine((p) => !/[?#\s]/.test(p), 'must not contain "?", "#" or spaces (use `query` for query parameters)'),
  parameters: z.record(z.string().regex(PARAMETER_NAME, 'parameter names are letters, digits and "_"'), parameterSchema).default({}),
  query: z.record(z.string().regex(/^[A-Za-z0-9_.\-[\]]+$/, 'must be a plain query parameter name'), z.string()).default({}),
  body: jsonValue.optional(),
  result: z
    .union([
      z.array(z.string().regex(RESULT_FIELD, 'must be a field path like "id" or "data.id"')),
      z.record(z.string().min(1), z.string().regex(RESULT_FIELD, 'must be a field path like "id" or "data.id"')),
    ])
    .default([])
    .transform((r): Record<string, string> => (Array.isArray(r) ? Object.fromEntries(r.map((f) => [f, f])) : r)),
  rate_limit: rateLimitSchema.optional(),
});

/** Idempotency-Key records (src/idempotency). */
const idempotencySchema = z.strictObject({
  ttl_seconds: z.number().int().min(1).max(30 * 86_400).default(86_400),
});

/** Where idempotency records and rate-limit counters live (src/state). */
const stateSchema = z.strictObject({
  store: z
    .string()
    .refine((s) => s === 'memory' || /^rediss?:\/\/[^\s]+$/.test(s), 'must be "memory" or a redis:// (rediss://) URL')
    .default('memory'),
  key_prefix: z.string().min(1).max(200).default('credential-broker:'),
});

/** Per-target circuit breaker (src/shaping). */
const circuitBreakerSchema = z.strictObject({
  failure_threshold: z.number().int().min(1).max(10_000).default(5),
  open_seconds: z.number().min(0.1).max(3600).default(30),
});

const logSchema = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
});

/** Prometheus metrics (src/metrics), served on the broker's own listener. */
const metricsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9/_-]*$/, 'must be an absolute URL path of letters, digits, "/", "_" and "-"')
    .refine((p) => !p.startsWith('/v1/'), 'must not be under /v1/, which belongs to the broker API')
    .default('/metrics'),
});

/**
 * The shape of the config. Rules that relate fields to each other live in
 * cross-checks.ts: zod skips refinements once a shape problem is found, and we want
 * every problem reported in one go.
 */
export const configSchema = z.strictObject({
  listen: listenSchema.prefault({}),
  vault: vaultSchema,
  key_cache_seconds: z.number().int().min(0).max(86_400).default(60),
  log: logSchema.prefault({}),
  metrics: metricsSchema.prefault({}),
  // Names are checked in cross-checks.ts, so a bad name does not hide the problems inside.
  targets: z.record(z.string(), targetSchema),
  actions: z.record(z.string(), actionSchema),
  // Identity lifecycle (identity-schema.ts); group names are checked in cross-checks.ts.
  endpoint_groups: z.record(z.string(), endpointGroupSchema).default({}),
  endpoint_auth: endpointAuthSchema.prefault({}),
  bootstrap: bootstrapSchema.prefault({}),
  idempotency: idempotencySchema.prefault({}),
  state: stateSchema.prefault({}),
  circuit_breaker: circuitBreakerSchema.prefault({}),
});

export type BrokerConfig = z.output<typeof configSchema>;
export type ListenConfig = BrokerConfig['listen'];
export type VaultConfig = BrokerConfig['vault'];
export type BrokerAuthConfig = VaultConfig['broker_auth'];
export type TargetConfig = BrokerConfig['targets'][string];
export type CredentialInjection = TargetConfig['credential']['inject'];
export type ActionConfig = BrokerConfig['actions'][string];
export type ParameterConfig = ActionConfig['parameters'][string];
export type LogConfig = BrokerConfig['log'];
export type MetricsConfig = BrokerConfig['metrics'];
export type { EndpointGroupConfig, EndpointAuthConfig, BootstrapConfig, BrokerRoleConfig } from './identity-schema';
export type RateLimitConfig = NonNullable<TargetConfig['rate_limit']>;
export type IdempotencyConfig = BrokerConfig['idempotency'];
export type StateConfig = BrokerConfig['state'];
export type CircuitBreakerConfig = BrokerConfig['circuit_breaker'];

/** Splits a credential ref into the KV v2 read path and the field. */
export function parseCredentialRef(ref: string): { path: string; field: string } {
  const m = CREDENTIAL_REF.exec(ref);
  if (!m) throw new Error(`not a credential ref: ${ref}`);
  return { path: `${m[1]}/data/${m[2]}`, field: m[3] as string };
}
