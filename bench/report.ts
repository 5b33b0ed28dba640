/**
 * The benchmark's result (written as JSON) and its text table. Targets come from
 * issue 7; they are measured and shown, never asserted.
 */
import type { LoadResult } from './load';

export interface RoundTrips {
  invocations: number;
  /** Vault HTTP requests per invocation, counted by devvault. */
  per_invocation: number;
  by_path: Record<string, number>;
}

export interface FanoutResult {
  endpoints: number;
  per_second: number;
  /** N / R seconds. */
  limit_s: number;
  drain_s: number;
  drain_vs_limit: number;
  succeeded: number;
  outcomes: Record<string, number>;
  attempts: number;
  attempt_statuses: Record<string, number>;
  target_calls: number;
  calls_per_key_max: number;
  duplicate_keys: number;
  max_in_any_second: number;
  max_per_calendar_second: number;
  /** From the broker's audit log, when endpoints failed. */
  failures: Record<string, unknown>[];
}

export interface SteadyResult {
  connections: number;
  direct: LoadResult;
  nginx: LoadResult | null;
  broker_cached: LoadResult;
  broker_uncached: LoadResult;
}

export interface BenchReport {
  date: string;
  total_s: number;
  machine: {
    cpus: number;
    cpu_model: string;
    memory_gib: number;
    kernel: string;
    node: string;
    /** 1/5/15-minute load averages when the run started and ended (other work on the machine). */
    load_average_before: number[];
    load_average_after: number[];
  };
  settings: { duration_s: number; warmup_s: number; request: string; nginx: string };
  /** One entry per concurrency; the first is the main one. */
  steady: SteadyResult[];
  round_trips: { cold: RoundTrips; warm: RoundTrips };
  fanout: FanoutResult[];
  memory: {
    rss_at_rest_mib: number;
    rss_peak_1000_mib: number;
    hwm_mib: number;
    rss_after_mib: number;
    connections: number;
    load: LoadResult;
  };
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
const fmt = (n: number, digits = 2) => n.toFixed(digits);
const int = (n: number) => n.toLocaleString('en-US');
const signed = (n: number) => `${n < 0 ? '-' : '+'}${fmt(Math.abs(n))}`;

function verdict(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

function steadyTable(s: SteadyResult, nginxNote: string): string[] {
  const out: string[] = [];
  const a = s.direct;
  const b = s.nginx;
  const rows: [string, LoadResult | null][] = [
    ['(a) direct to target, with key', a],
    ['(b) nginx, key as static header', b],
    ['(c) broker, key cached', s.broker_cached],
    ['(d) broker, nothing cached', s.broker_uncached],
  ];
  out.push(
    `   ${pad(`${s.connections} connection(s)`, 34)}${lpad('req/s', 8)}${lpad('p50 ms', 9)}${lpad('p99 ms', 9)}${lpad('÷ (a)', 8)}${lpad('÷ (b)', 8)}${lpad('p50 +(a)', 10)}${lpad('errors', 8)}`,
  );
  for (const [label, x] of rows) {
    if (!x) {
      out.push(`   ${pad(label, 34)}${nginxNote}`);
      continue;
    }
    const bad = x.non_2xx + x.errors + x.timeouts;
    out.push(
      `   ${pad(label, 34)}${lpad(int(x.rps), 8)}${lpad(fmt(x.latency_ms.p50), 9)}${lpad(fmt(x.latency_ms.p99), 9)}` +
        `${lpad(fmt(x.rps / a.rps), 8)}${lpad(b ? fmt(x.rps / b.rps) : '-', 8)}${lpad(signed(x.latency_ms.p50 - a.latency_ms.p50), 10)}${lpad(int(bad), 8)}`,
    );
  }
  out.push('   CPU ms per request, by process:');
  for (const [label, x] of rows) {
    if (!x?.cpu_ms_per_request) continue;
    const parts = Object.entries(x.cpu_ms_per_request).map(([name, ms]) => `${name} ${fmt(ms, 3)}`);
    out.push(`     ${pad(label.slice(0, 3), 4)}${parts.join(', ')}`);
  }
  return out;
}

export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push('');
  out.push(`credential-broker benchmark, ${r.date} (${r.total_s} s)`);
  out.push(`machine: ${m.cpus} CPUs, ${m.cpu_model}, ${m.memory_gib} GiB, Linux ${m.kernel}, Node.js ${m.node}`);
  out.push(`load average (1/5/15 min): ${m.load_average_before.join(' ')} before, ${m.load_average_after.join(' ')} after`);
  out.push('');
  out.push(`1. Steady state: ${r.settings.request}, ${r.settings.duration_s} s per run after ${r.settings.warmup_s} s warm-up`);
  for (const s of r.steady) out.push(...steadyTable(s, r.settings.nginx), '');
  out.push('2. Vault round trips per invocation (counted by devvault)');
  for (const [label, t] of [
    ['cold (key_cache_seconds: 0)', r.round_trips.cold],
    ['warm (key cached)', r.round_trips.warm],
  ] as const) {
    const paths = Object.entries(t.by_path)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
    out.push(`   ${pad(label, 30)}${lpad(fmt(t.per_invocation), 6)}   (${paths}; ${t.invocations} invocations)`);
  }
  out.push('');
  out.push('3. Fan-out: N endpoints (BigFix wave, endpoint retry policy) against a target limited to R calls/s');
  out.push(
    `   ${lpad('N', 5)}${lpad('R/s', 6)}${lpad('N/R s', 8)}${lpad('drain s', 9)}${lpad('÷ N/R', 7)}${lpad('ok', 6)}${lpad('attempts', 10)}${lpad('calls/key', 11)}${lpad('max in 1 s', 12)}`,
  );
  for (const f of r.fanout) {
    out.push(
      `   ${lpad(String(f.endpoints), 5)}${lpad(String(f.per_second), 6)}${lpad(fmt(f.limit_s, 1), 8)}${lpad(fmt(f.drain_s, 1), 9)}` +
        `${lpad(fmt(f.drain_vs_limit), 7)}${lpad(String(f.succeeded), 6)}${lpad(String(f.attempts), 10)}${lpad(String(f.calls_per_key_max), 11)}${lpad(String(f.max_in_any_second), 12)}`,
    );
  }
  for (const f of r.fanout) {
    for (const x of f.failures) out.push(`   N=${f.endpoints} failure: ${JSON.stringify(x)}`);
  }
  out.push('   (calls/key: most target calls for one Idempotency-Key; max in 1 s: most target calls in any 1-second window,');
  out.push('    at most R + burst by design, burst defaulting to R)');
  out.push('');
  const mem = r.memory;
  out.push('4. Broker memory (VmRSS of the broker process)');
  out.push(`   at rest ${fmt(mem.rss_at_rest_mib, 1)} MiB; with ${int(mem.connections)} concurrent connections: peak ${fmt(mem.rss_peak_1000_mib, 1)} MiB`);
  out.push(
    `   (${int(mem.load.rps)} req/s, p50 ${fmt(mem.load.latency_ms.p50)} ms, p99 ${fmt(mem.load.latency_ms.p99)} ms, errors ${int(mem.load.errors + mem.load.non_2xx + mem.load.timeouts)}; RSS afterwards ${fmt(mem.rss_after_mib, 1)} MiB)`,
  );
  out.push('');
  out.push('Targets (issue 7; measured, not asserted)');
  const main = r.steady[0]!;
  const [b, c] = [main.nginx, main.broker_cached];
  if (b) {
    const ratio = c.rps / b.rps;
    out.push(`   cached broker throughput >= 50% of nginx: ${fmt(ratio * 100, 0)}% ${verdict(ratio >= 0.5)}`);
  } else {
    out.push('   cached broker throughput >= 50% of nginx: not measured (nginx missing)');
  }
  for (const x of r.steady) {
    const added = x.broker_cached.latency_ms.p50 - x.direct.latency_ms.p50;
    out.push(`   cached broker added p50 <= 2 ms over (a), ${x.connections} connection(s): ${signed(added)} ms ${verdict(added <= 2)}`);
  }
  out.push(`   Vault round trips cold <= 4: ${fmt(r.round_trips.cold.per_invocation)} ${verdict(r.round_trips.cold.per_invocation <= 4)}`);
  out.push(`   Vault round trips warm <= 2: ${fmt(r.round_trips.warm.per_invocation)} ${verdict(r.round_trips.warm.per_invocation <= 2)}`);
  for (const f of r.fanout) {
    out.push(`   fan-out N=${f.endpoints} R=${f.per_second} drain <= 1.2 x N/R: ${fmt(f.drain_vs_limit)} x ${verdict(f.drain_vs_limit <= 1.2)}`);
  }
  out.push('');
  return out.join('\n');
}
