/**
 * One load run with autocannon at a fixed number of connections (each keeps one request
 * in flight). autocannon's own histogram has 1 ms resolution, too coarse for a 2 ms
 * budget, so every 2xx response time is also kept here (autocannon reports it in
 * fractional milliseconds) and the percentiles are computed from those.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  connections: number;
  duration_s: number;
  requests_2xx: number;
  /** 2xx responses per second. */
  rps: number;
  latency_ms: { p50: number; p90: number; p99: number; mean: number; max: number };
  non_2xx: number;
  errors: number;
  timeouts: number;
  /** CPU ms each process used per 2xx response during the run (bench/processes.ts withCpu). */
  cpu_ms_per_request?: Record<string, number>;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: 10,
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const sorted = Float64Array.from(latencies).sort();
        const sum = latencies.reduce((a, b) => a + b, 0);
        const seconds = result.duration || options.durationSeconds;
        resolve({
          connections: options.connections,
          duration_s: round2(seconds),
          requests_2xx: latencies.length,
          rps: Math.round(latencies.length / seconds),
          latency_ms: {
            p50: round2(percentile(sorted, 50)),
            p90: round2(percentile(sorted, 90)),
            p99: round2(percentile(sorted, 99)),
            mean: round2(latencies.length ? sum / latencies.length : 0),
            max: round2(sorted.length ? sorted[sorted.length - 1]! : 0),
          },
          non_2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}
