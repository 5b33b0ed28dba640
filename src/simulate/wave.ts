/**
 * Plays a BigFix wave against a broker: N endpoints run the same action at once, each
 * with its own Idempotency-Key, each retrying exactly as the endpoint scripts do
 * (src/bigfix/retry-policy.ts), and the outcome of every endpoint is collected.
 *
 * Several broker URLs stand for replicas behind a load balancer: endpoint i starts on
 * broker i mod B, and an endpoint whose connection fails moves on to the next one.
 */
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import { type AttemptOutcome, nextStep, parseRetryAfter, uniformUpTo } from '../bigfix/retry-policy';

export interface WaveOptions {
  brokers: readonly string[];
  action: string;
  endpoints: number;
  /** Parameters; the text `{endpoint}` in any string value becomes the endpoint's number. */
  params: Record<string, unknown>;
  roleId: string;
  secretId: string;
  /** Most requests in flight at once (the endpoints themselves all run at once). */
  concurrency: number;
  /** Seconds each endpoint keeps retrying, as the scripts' --deadline. */
  deadlineSeconds: number;
  /** Prefix of the Idempotency-Keys; a fresh one per run unless given. */
  keyPrefix?: string;
  /** Milliseconds; the scripts sleep whole seconds, tests may shrink nothing else. */
  sleep?: (ms: number) => Promise<void>;
  randomUpTo?: (n: number) => number;
  /** TLS: accept this CA (PEM) for https:// brokers. */
  ca?: string | Buffer;
}

export interface EndpointResult {
  endpoint: number;
  key: string;
  /** The last HTTP status, or 0 when the last attempt got no answer. */
  status: number;
  /** The error code of the last answer, if it was an error. */
  code?: string;
  /** The request_id of the last answer (a replayed answer carries the original one). */
  requestId?: string;
  /** True when the last answer was a replay of a completed Idempotency-Key. */
  replayed?: boolean;
  attempts: number;
  /** From the endpoint's start to its last answer (ms). */
  elapsedMs: number;
  succeeded: boolean;
}

export interface WaveReport {
  action: string;
  endpoints: number;
  succeeded: number;
  failed: number;
  /** Final outcomes: "200", "403", "transport_error", … → count. */
  outcomes: Record<string, number>;
  /** Every attempt's answer → count. */
  attempt_statuses: Record<string, number>;
  requests: number;
  /** From the first request to the last endpoint's final answer (ms). */
  drain_ms: number;
  attempts: { min: number; p50: number; p99: number; max: number; mean: number };
  /** Per-endpoint time from start to final answer (ms). */
  latency_ms: { p50: number; p99: number; max: number };
  results: EndpointResult[];
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A counting semaphore: the wave's bound on requests in flight. */
class Gate {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}

interface Answer {
  status: number;
  retryAfter?: number;
  code?: string;
  requestId?: string;
  replayed: boolean;
}

function substitute(value: unknown, endpoint: number): unknown {
  if (typeof value === 'string') return value.split('{endpoint}').join(String(endpoint));
  if (Array.isArray(value)) return value.map((v) => substitute(v, endpoint));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, endpoint)]));
  }
  return value;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function runWave(options: WaveOptions): Promise<WaveReport> {
  if (options.brokers.length === 0) throw new Error('at least one broker URL is needed');
  const sleep = options.sleep ?? realSleep;
  const randomUpTo = options.randomUpTo ?? uniformUpTo;
  const keyPrefix = options.keyPrefix ?? `sim-${randomUUID().slice(0, 8)}`;
  const gate = new Gate(options.concurrency);
  const agentOptions = { keepAlive: true, maxSockets: options.concurrency };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent({ ...agentOptions, ca: options.ca });
  const authorization = `Basic ${Buffer.from(`${options.roleId}:${options.secretId}`).toString('base64')}`;
  const attemptStatuses: Record<string, number> = {};
  let requests = 0;

  const call = (broker: string, key: string, body: string, timeoutMs: number): Promise<Answer | undefined> =>
    new Promise((resolve) => {
      const url = new URL(`v1/actions/${encodeURIComponent(options.action)}`, broker.endsWith('/') ? broker : `${broker}/`);
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request(
        url,
        {
          method: 'POST',
          agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
          headers: {
            authorization,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'idempotency-key': key,
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', () => resolve(undefined));
          res.on('end', () => {
            let code: string | undefined;
            let requestId: string | undefined;
            try {
              const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code?: unknown }; request_id?: unknown };
              if (typeof parsed.error?.code === 'string') code = parsed.error.code;
              if (typeof parsed.request_id === 'string') requestId = parsed.request_id;
            } catch {
              // not JSON: the status says enough
            }
            const header = res.headers['retry-after'];
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: parseRetryAfter(Array.isArray(header) ? header[0] : header),
              code,
              requestId,
              replayed: res.headers['idempotent-replayed'] === 'true',
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(undefined));
      req.end(body);
    });

  const endpoint = async (n: number): Promise<EndpointResult> => {
    const key = `${keyPrefix}-${n}`;
    const body = JSON.stringify(substitute(options.params, n));
    const started = Date.now();
    const deadlineAt = started + options.deadlineSeconds * 1000;
    let brokerIndex = n % options.brokers.length;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      requests += 1;
      const timeoutMs = Math.max(1000, deadlineAt - Date.now());
      const answer = await gate.run(() => call(options.brokers[brokerIndex]!, key, body, timeoutMs));
      const label = answer ? String(answer.status) : 'transport_error';
      attemptStatuses[label] = (attemptStatuses[label] ?? 0) + 1;
      const finish = (): EndpointResult => ({
        endpoint: n,
        key,
        status: answer?.status ?? 0,
        code: answer?.code,
        requestId: answer?.requestId,
        replayed: answer?.replayed,
        attempts,
        elapsedMs: Date.now() - started,
        succeeded: answer !== undefined && answer.status >= 200 && answer.status < 300,
      });
      if (answer && answer.status >= 200 && answer.status < 300) return finish();
      const outcome: AttemptOutcome = answer
        ? { kind: 'response', status: answer.status, retryAfterSeconds: answer.retryAfter }
        : { kind: 'transport_error' };
      // A load balancer stops sending to a replica that does not answer.
      if (!answer) brokerIndex = (brokerIndex + 1) % options.brokers.length;
      const step = nextStep(outcome, attempts, Math.floor((deadlineAt - Date.now()) / 1000), randomUpTo);
      if (!step.retry) return finish();
      await sleep(step.waitSeconds * 1000);
    }
  };

  const waveStart = Date.now();
  try {
    const results = await Promise.all(Array.from({ length: options.endpoints }, (_, i) => endpoint(i + 1)));
    const drainMs = Date.now() - waveStart;
    const outcomes: Record<string, number> = {};
    for (const r of results) {
      const label = r.status === 0 ? 'transport_error' : String(r.status);
      outcomes[label] = (outcomes[label] ?? 0) + 1;
    }
    const attempts = results.map((r) => r.attempts).sort((a, b) => a - b);
    const latency = results.map((r) => r.elapsedMs).sort((a, b) => a - b);
    const succeeded = results.filter((r) => r.succeeded).length;
    return {
      action: options.action,
      endpoints: options.endpoints,
      succeeded,
      failed: options.endpoints - succeeded,
      outcomes,
      attempt_statuses: attemptStatuses,
      requests,
      drain_ms: drainMs,
      attempts: {
        min: attempts[0] ?? 0,
        p50: percentile(attempts, 50),
        p99: percentile(attempts, 99),
        max: attempts[attempts.length - 1] ?? 0,
        mean: attempts.length ? Number((attempts.reduce((a, b) => a + b, 0) / attempts.length).toFixed(2)) : 0,
      },
      latency_ms: { p50: percentile(latency, 50), p99: percentile(latency, 99), max: latency[latency.length - 1] ?? 0 },
      results,
    };
  } finally {
    httpAgent.destroy();
    httpsAgent.destroy();
  }
}
