/**
 * `credential-broker simulate`: plays a BigFix wave against a running broker (see
 * src/simulate/wave.ts) and reports outcomes by status, drain time, attempts per
 * endpoint and time to outcome.
 *
 * The endpoint's role_id and secret_id come from the dev sandbox's credentials file
 * (--credentials) or from BROKER_ROLE_ID / BROKER_SECRET_ID, never from the command
 * line, where every local user could read them (ps).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { runWave, type WaveReport } from '../../simulate/wave';
import { collect } from '../options';

interface SimulateFlags {
  broker: string[];
  endpoints: string;
  action: string;
  params: string;
  credentials?: string;
  role?: string;
  concurrency: string;
  deadline: string;
  keyPrefix?: string;
  caFile?: string;
  json?: boolean;
}

interface CredentialsFile {
  broker_url?: string;
  endpoints?: { role?: string; role_id?: string; secret_id?: string; allowed_actions?: string[] }[];
}


function positiveInt(value: string, flag: string, fail: (m: string) => never): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1) fail(`${flag} must be a whole number of at least 1, got "${value}"`);
  return Number(value);
}

function pickIdentity(
  flags: SimulateFlags,
  fail: (m: string) => never,
): { roleId: string; secretId: string; brokerUrl?: string } {
  if (flags.credentials) {
    let file: CredentialsFile;
    try {
      file = JSON.parse(readFileSync(flags.credentials, 'utf8')) as CredentialsFile;
    } catch (err) {
      return fail(`--credentials: cannot read ${flags.credentials} as JSON (${(err as Error).message})`);
    }
    const endpoints = file.endpoints ?? [];
    const chosen = flags.role
      ? endpoints.find((e) => e.role === flags.role)
      : (endpoints.find((e) => e.allowed_actions?.includes(flags.action)) ?? endpoints[0]);
    if (!chosen) {
      return fail(
        flags.role
          ? `--role: no endpoint role "${flags.role}" in ${flags.credentials} (roles: ${endpoints.map((e) => e.role).join(', ') || 'none'})`
          : `--credentials: ${flags.credentials} lists no endpoints`,
      );
    }
    if (!chosen.role_id || !chosen.secret_id) return fail(`--credentials: role "${chosen.role}" has no role_id or secret_id`);
    return { roleId: chosen.role_id, secretId: chosen.secret_id, brokerUrl: file.broker_url };
  }
  const roleId = process.env.BROKER_ROLE_ID;
  const secretId = process.env.BROKER_SECRET_ID;
  if (!roleId || !secretId) {
    return fail('give --credentials FILE, or set BROKER_ROLE_ID and BROKER_SECRET_ID in the environment');
  }
  return { roleId, secretId };
}

function formatReport(r: WaveReport, brokers: number): string {
  const counts = (o: Record<string, number>) =>
    Object.entries(o)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    `simulate: ${r.endpoints} endpoints, action "${r.action}", ${brokers} broker URL(s)`,
    `  succeeded          ${r.succeeded} of ${r.endpoints}`,
    `  final outcomes     ${counts(r.outcomes)}`,
    `  drain time         ${s(r.drain_ms)}`,
    `  requests           ${r.requests} (${counts(r.attempt_statuses)})`,
    `  attempts/endpoint  min ${r.attempts.min}, p50 ${r.attempts.p50}, p99 ${r.attempts.p99}, max ${r.attempts.max}, mean ${r.attempts.mean}`,
    `  time to outcome    p50 ${s(r.latency_ms.p50)}, p99 ${s(r.latency_ms.p99)}, max ${s(r.latency_ms.max)}`,
    '',
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('play a BigFix wave: N endpoints with their own Idempotency-Keys, retrying like the endpoint scripts')
    .option('--broker <url>', 'broker base URL; repeat for replicas (default: broker_url from --credentials)', collect, [])
    .requiredOption('--endpoints <n>', 'number of simulated endpoints')
    .requiredOption('--action <name>', 'action to invoke')
    .option('--params <json>', 'parameters as a JSON object; "{endpoint}" in a string becomes the endpoint number', '{}')
    .option('--credentials <file>', 'credentials JSON written by `credential-broker dev --credentials-out`')
    .option('--role <role>', 'endpoint role to use from --credentials (default: the first allowed the action)')
    .option('--concurrency <n>', 'most requests in flight at once', '100')
    .option('--deadline <seconds>', 'how long each endpoint keeps retrying (the scripts\' --deadline)', '120')
    .option('--key-prefix <prefix>', 'Idempotency-Key prefix (default: random per run, so reruns do not replay)')
    .option('--ca-file <file>', 'CA certificate (PEM) for an https:// broker')
    .option('--json', 'print the full report, with every endpoint, as JSON')
    .action(async (flags: SimulateFlags, command: Command) => {
      const fail = (message: string): never => command.error(`simulate: ${message}`, { exitCode: 2 });
      const endpoints = positiveInt(flags.endpoints, '--endpoints', fail);
      const concurrency = positiveInt(flags.concurrency, '--concurrency', fail);
      const deadline = positiveInt(flags.deadline, '--deadline', fail);
      let params: unknown;
      try {
        params = JSON.parse(flags.params);
      } catch {
        fail('--params must be a JSON object');
      }
      if (params === null || typeof params !== 'object' || Array.isArray(params)) fail('--params must be a JSON object');
      if (flags.keyPrefix !== undefined && !/^[A-Za-z0-9._:-]{1,80}$/.test(flags.keyPrefix)) {
        fail('--key-prefix may have letters, digits and . _ : - (at most 80)');
      }
      const identity = pickIdentity(flags, fail);
      const brokers = flags.broker.length > 0 ? flags.broker : identity.brokerUrl ? [identity.brokerUrl] : [];
      if (brokers.length === 0) fail('give --broker URL (or --credentials with a broker_url)');
      for (const b of brokers) {
        if (!/^https?:\/\/[^\s]+$/.test(b)) fail(`--broker must be an http:// or https:// URL, got "${b}"`);
      }
      const report = await runWave({
        brokers,
        action: flags.action,
        endpoints,
        params: params as Record<string, unknown>,
        roleId: identity.roleId,
        secretId: identity.secretId,
        concurrency,
        deadlineSeconds: deadline,
        keyPrefix: flags.keyPrefix,
        ca: flags.caFile ? readFileSync(flags.caFile) : undefined,
      });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, brokers.length));
      // Exit 1 when any endpoint did not end with success, so scripts can check a run.
      if (report.failed > 0) process.exitCode = 1;
    });
}
