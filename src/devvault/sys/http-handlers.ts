/**
 * The sys/ endpoints Vault serves from its HTTP layer rather than the system backend,
 * because they must answer while sealed: health, seal-status, seal, unseal, init, leader
 * (http/sys_health.go, http/sys_seal.go, http/sys_init.go, http/sys_leader.go),
 * reference §2 and §10.
 */
import { GO_ZERO_TIME } from '../util/time';

export interface SealState {
  sealed: boolean;
  readonly unsealKey: Buffer;
  readonly clusterName: string;
  readonly clusterId: string;
  readonly version: string;
  readonly buildDate: string;
  now(): number;
}

export interface HttpReply {
  status: number;
  /** JSON text, or null for no body. */
  body: string | null;
}

function json(status: number, value: unknown): HttpReply {
  return { status, body: JSON.stringify(value) };
}

function errorReply(status: number, errors: string[]): HttpReply {
  return json(status, { errors });
}

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** parseutil.ParseBool; null when the value does not parse. */
function parseBool(v: string): boolean | null {
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  return null;
}

/** fetchStatusCode: strconv.Atoi; a code net/http could not write counts as bad too. */
function statusCode(query: URLSearchParams, field: string, fallback: number): number | null {
  const v = query.get(field);
  if (v === null) return fallback;
  if (!/^[+-]?\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= 100 && n <= 999 ? n : null;
}

export function healthBody(s: SealState): Record<string, unknown> {
  const body: Record<string, unknown> = {
    initialized: true,
    sealed: s.sealed,
    // A sealed node reports itself as standby, as Vault does.
    standby: s.sealed,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(s.now() / 1000),
    version: s.version,
    enterprise: false,
  };
  if (!s.sealed) {
    body.cluster_name = s.clusterName;
    body.cluster_id = s.clusterId;
  }
  body.echo_duration_ms = 0;
  body.clock_skew_ms = 0;
  return body;
}

export function health(s: SealState, method: string, query: URLSearchParams): HttpReply {
  if (method !== 'GET' && method !== 'HEAD') return errorReply(405, []);
  for (const field of ['standbyok', 'perfstandbyok']) {
    const v = query.get(field);
    if (v !== null && parseBool(v) === null) return errorReply(400, []);
  }
  const codes: Record<string, number> = {
    activecode: 200,
    standbycode: 429,
    drsecondarycode: 472,
    performancestandbycode: 473,
    sealedcode: 503,
    uninitcode: 501,
  };
  for (const [field, fallback] of Object.entries(codes)) {
    const code = statusCode(query, field, fallback);
    if (code === null) return errorReply(400, []);
    codes[field] = code;
  }
  const status = s.sealed ? codes.sealedcode : codes.activecode;
  if (method === 'HEAD') return { status, body: null };
  return json(status, healthBody(s));
}

export function sealStatusBody(s: SealState): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: 'shamir',
    initialized: true,
    sealed: s.sealed,
    t: 1,
    n: 1,
    progress: 0,
    nonce: '',
    version: s.version,
    build_date: s.buildDate,
    migration: false,
  };
  if (!s.sealed) {
    body.cluster_name = s.clusterName;
    body.cluster_id = s.clusterId;
  }
  body.recovery_seal = false;
  body.storage_type = 'inmem';
  return body;
}

export function sealStatus(s: SealState, method: string): HttpReply {
  if (method !== 'GET') return errorReply(405, []);
  return json(200, sealStatusBody(s));
}

/** The key as hex (when it has a key's length) or base64, like handleSysUnseal. */
function decodeKey(text: string): Buffer | null {
  if (/^[0-9a-fA-F]*$/.test(text) && text.length % 2 === 0) {
    const hex = Buffer.from(text, 'hex');
    if (hex.length >= 16 && hex.length <= 33) return hex;
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  return Buffer.from(text, 'base64');
}

export function unseal(s: SealState, method: string, rawBody: Buffer): HttpReply {
  if (method !== 'PUT' && method !== 'POST') return errorReply(405, []);
  let body: Record<string, unknown> = {};
  const text = rawBody.toString('utf8');
  if (text.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error('not an object');
      body = (parsed as Record<string, unknown> | null) ?? {};
    } catch {
      return errorReply(400, ['error parsing JSON']);
    }
  }
  if (body.reset === true) return json(200, sealStatusBody(s));
  const key = typeof body.key === 'string' ? body.key : '';
  if (key === '') return errorReply(400, ["'key' must be specified in request body as JSON, or 'reset' set to true"]);
  const decoded = decodeKey(key);
  if (decoded === null) return errorReply(400, ["'key' must be a valid hex or base64 string"]);
  if (s.sealed) {
    if (!decoded.equals(s.unsealKey)) return errorReply(400, ['Unseal failed, invalid key']);
    s.sealed = false;
  }
  return json(200, sealStatusBody(s));
}

export function init(method: string): HttpReply {
  if (method === 'GET') return json(200, { initialized: true });
  if (method === 'PUT' || method === 'POST') return errorReply(400, ['Vault is already initialized']);
  return errorReply(405, []);
}

export function leader(method: string): HttpReply {
  if (method !== 'GET') return errorReply(405, []);
  return json(200, {
    ha_enabled: false,
    is_self: false,
    active_time: GO_ZERO_TIME,
    leader_address: '',
    leader_cluster_address: '',
    performance_standby: false,
    performance_standby_last_remote_wal: 0,
  });
}

/** The paths above, without /v1/. */
export const HTTP_SYS_PATHS = new Set(['sys/health', 'sys/seal-status', 'sys/seal', 'sys/unseal', 'sys/init', 'sys/leader']);
