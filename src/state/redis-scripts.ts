/**
 * The Lua scripts behind RedisStateStore. Redis runs a script as one step, so each
 * read-decide-write below is atomic across every broker replica. Times come from the
 * Redis server's clock (TIME), so replicas with skewed clocks still agree.
 *
 * Lua turns a number returned to Redis into an integer, so fractional values are
 * stored and returned as strings.
 */

const NOW = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local function fmt(n) return string.format('%.3f', n) end
`;

export interface ScriptDefinition {
  /** Fixed number of keys, or undefined when the caller passes it first. */
  numberOfKeys?: number;
  lua: string;
}

/** KEYS[1] record; ARGV fingerprint, leaseMs, claimToken. */
const claim: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
local s = redis.call('HMGET', KEYS[1], 'state', 'fp', 'value')
if s[1] == 'in_flight' then
  return {'in_flight', s[2], redis.call('PTTL', KEYS[1])}
elseif s[1] == 'completed' then
  return {'completed', s[2], s[3]}
end
redis.call('HSET', KEYS[1], 'state', 'in_flight', 'fp', ARGV[1], 'token', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'claimed', ARGV[3]}
`,
};

/** KEYS[1] record; ARGV claimToken, value, ttlMs. */
const complete: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
local s = redis.call('HMGET', KEYS[1], 'state', 'token')
if s[1] ~= 'in_flight' or s[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'completed', 'value', ARGV[2])
redis.call('HDEL', KEYS[1], 'token')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`,
};

/** KEYS[1] record; ARGV claimToken. */
const release: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
local s = redis.call('HMGET', KEYS[1], 'state', 'token')
if s[1] ~= 'in_flight' or s[2] ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`,
};

/**
 * KEYS = buckets; ARGV = maxDelayMs, then perSecond, burst for each bucket in turn.
 * Same steps as token-bucket.ts: refill; take from all if every bucket has a token
 * within maxDelayMs (going into debt); else take nothing and hand out the next slot.
 * Returns {1, delayMs} or {0, waitMs, index of the limiting bucket (1-based)}.
 */
const take: ScriptDefinition = {
  lua: `${NOW}
local now = now_ms()
local n = #KEYS
local tokens, queue, rate, burst = {}, {}, {}, {}
local max_delay = tonumber(ARGV[1])
local delay = 0
for i = 1, n do
  rate[i] = tonumber(ARGV[2 * i])
  burst[i] = tonumber(ARGV[2 * i + 1])
  local h = redis.call('HMGET', KEYS[i], 'tokens', 'ts', 'queue')
  local tk, ts, q = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
  if tk == nil or ts == nil or q == nil then tk = burst[i]; ts = now; q = now end
  tokens[i] = math.min(burst[i], tk + math.max(0, now - ts) * rate[i] / 1000)
  queue[i] = q
  if tokens[i] < 1 then delay = math.max(delay, (1 - tokens[i]) * 1000 / rate[i]) end
end
local all = delay <= max_delay
local wait, limited = 0, 0
for i = 1, n do
  if all then
    tokens[i] = tokens[i] - 1
  elseif tokens[i] < 1 then
    local interval = 1000 / rate[i]
    local slot = math.max(queue[i], now + (1 - tokens[i]) * interval)
    queue[i] = slot + interval
    if slot - now >= wait then wait = slot - now; limited = i end
  end
end
for i = 1, n do
  redis.call('HSET', KEYS[i], 'tokens', fmt(tokens[i]), 'ts', fmt(now), 'queue', fmt(queue[i]))
  local life = math.max(0, queue[i] - now) + (burst[i] - math.min(tokens[i], burst[i])) * 1000 / rate[i] + 1000
  redis.call('PEXPIRE', KEYS[i], math.ceil(life))
end
if all then return {1, math.ceil(delay)} end
return {0, math.ceil(wait), limited}
`,
};

/** KEYS[1] slot set; ARGV holder, max, leaseMs. Returns {1} or {0, waitMs}. */
const acquireSlot: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `${NOW}
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local mine = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not mine and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, math.max(1, math.ceil(math.min(tonumber(first[2]) - now, 1000)))}
end
redis.call('ZADD', KEYS[1], fmt(now + tonumber(ARGV[3])), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(tonumber(last[2]) - now)))
return {1}
`,
};

/** KEYS[1] hold; ARGV ms. Extends, never shortens. */
const holdFor: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
`,
};

/** KEYS[1] circuit; ARGV probeLeaseMs. Returns {state, waitMs}. */
const circuitCheck: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `${NOW}
local now = now_ms()
local h = redis.call('HMGET', KEYS[1], 'open_until', 'probe_until')
local open = tonumber(h[1]) or 0
if open == 0 then return {'closed', 0} end
if now < open then return {'open', math.ceil(open - now)} end
local probe = tonumber(h[2]) or 0
if now < probe then return {'open', math.ceil(probe - now)} end
redis.call('HSET', KEYS[1], 'probe_until', fmt(now + tonumber(ARGV[1])))
return {'probe', 0}
`,
};

/** KEYS[1] circuit; ARGV success (1|0), threshold, openMs. Returns the state. */
const circuitRecord: ScriptDefinition = {
  numberOfKeys: 1,
  lua: `${NOW}
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1])
  return 'closed'
end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local open = tonumber(redis.call('HGET', KEYS[1], 'open_until')) or 0
if open ~= 0 or failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'open_until', fmt(now_ms() + tonumber(ARGV[3])), 'probe_until', '0')
  return 'open'
end
return 'closed'
`,
};

export const scripts = {
  claim,
  complete,
  release,
  take,
  acquireSlot,
  holdFor,
  circuitCheck,
  circuitRecord,
} as const;

export type ScriptName = keyof typeof scripts;
