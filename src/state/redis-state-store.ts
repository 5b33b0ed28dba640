/**
 * The state store for several broker replicas: every operation is one Lua script
 * (redis-scripts.ts), so it is atomic across replicas, and times come from the Redis
 * server's clock. Keys are `<prefix><kind>:<key>`; the prefix lets several brokers (or
 * a broker and other software) share one Redis.
 *
 * Redis down: commands fail fast (one retry, a short timeout) with
 * StateUnavailableError rather than queueing, so callers get a 503 instead of a hang.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { StateUnavailableError } from '../errors/state-unavailable-error';
import { type ScriptName, scripts } from './redis-scripts';
import type {
  CircuitCheck,
  CircuitState,
  ClaimResult,
  RateBucket,
  SlotResult,
  StateStore,
  TakeResult,
} from './state-store';

export interface RedisStateStoreOptions {
  /** redis://[user:password@]host:port[/db] or rediss://… */
  url: string;
  /** Prepended to every key. */
  keyPrefix?: string;
  /** Per-command timeout (ms). */
  commandTimeoutMs?: number;
}

export const DEFAULT_KEY_PREFIX = 'credential-broker:';

type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>;

export class RedisStateStore implements StateStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: RedisStateStoreOptions) {
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.redis = new Redis(options.url, {
      // Fail a command after one reconnect attempt instead of queueing it for ever:
      // a request waiting on Redis should become a 503, not a hung connection.
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      connectTimeout: 2000,
      // ioredis would print connection errors itself; callers see them as errors instead.
      lazyConnect: false,
    });
    // Without a listener ioredis logs every connection error to the console.
    this.redis.on('error', () => undefined);
    for (const [name, def] of Object.entries(scripts)) {
      this.redis.defineCommand(name, { numberOfKeys: def.numberOfKeys, lua: def.lua });
    }
  }

  async claim(key: string, fingerprint: string, leaseMs: number): Promise<ClaimResult> {
    const claimToken = randomUUID();
    const r = (await this.run('claim', this.key('idem', key), fingerprint, Math.ceil(leaseMs), claimToken)) as [
      string,
      string,
      string | number,
    ];
    if (r[0] === 'in_flight') return { kind: 'in_flight', fingerprint: r[1], remainingMs: Math.max(0, Number(r[2])) };
    if (r[0] === 'completed') return { kind: 'completed', fingerprint: r[1], value: String(r[2]) };
    return { kind: 'claimed', claimToken };
  }

  async complete(key: string, claimToken: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.run('complete', this.key('idem', key), claimToken, value, Math.ceil(ttlMs))) === 1;
  }

  async release(key: string, claimToken: string): Promise<boolean> {
    return (await this.run('release', this.key('idem', key), claimToken)) === 1;
  }

  async take(buckets: readonly RateBucket[], maxDelayMs = 0): Promise<TakeResult> {
    if (buckets.length === 0) return { ok: true, delayMs: 0 };
    const args: (string | number)[] = [buckets.length];
    for (const b of buckets) args.push(this.key('bucket', b.key));
    args.push(Math.max(0, Math.floor(maxDelayMs)));
    for (const b of buckets) args.push(b.perSecond, b.burst);
    const r = (await this.run('take', ...args)) as number[];
    if (r[0] === 1) return { ok: true, delayMs: Number(r[1]) };
    return { ok: false, retryAfterMs: Number(r[1]), limitedBy: buckets[Number(r[2]) - 1]!.key };
  }

  async acquireSlot(key: string, holder: string, max: number, leaseMs: number): Promise<SlotResult> {
    const r = (await this.run('acquireSlot', this.key('slots', key), holder, max, Math.ceil(leaseMs))) as number[];
    return r[0] === 1 ? { ok: true } : { ok: false, retryAfterMs: Number(r[1]) };
  }

  async releaseSlot(key: string, holder: string): Promise<void> {
    await this.guard(() => this.redis.zrem(this.key('slots', key), holder));
  }

  async holdFor(key: string, ms: number): Promise<void> {
    await this.run('holdFor', this.key('hold', key), Math.ceil(ms));
  }

  async heldFor(key: string): Promise<number> {
    const ttl = await this.guard(() => this.redis.pttl(this.key('hold', key)));
    return ttl > 0 ? ttl : 0;
  }

  async circuitCheck(key: string, probeLeaseMs: number): Promise<CircuitCheck> {
    const r = (await this.run('circuitCheck', this.key('circuit', key), Math.ceil(probeLeaseMs))) as [string, number];
    if (r[0] === 'open') return { state: 'open', retryAfterMs: Number(r[1]) };
    return r[0] === 'probe' ? { state: 'probe' } : { state: 'closed' };
  }

  async circuitRecord(key: string, success: boolean, threshold: number, openMs: number): Promise<CircuitState> {
    const r = await this.run('circuitRecord', this.key('circuit', key), success ? 1 : 0, threshold, Math.ceil(openMs));
    return r === 'open' ? 'open' : 'closed';
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private key(kind: string, key: string): string {
    return `${this.prefix}${kind}:${key}`;
  }

  private run(name: ScriptName, ...args: (string | number)[]): Promise<unknown> {
    const command = (this.redis as unknown as Record<ScriptName, ScriptRunner>)[name];
    return this.guard(() => command.apply(this.redis, args));
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new StateUnavailableError({ cause: err });
    }
  }
}
