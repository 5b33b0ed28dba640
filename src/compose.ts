/**
 * The composition root: builds every part of the broker from the validated config and
 * an injected environment. Nothing else reads process.env (the CLI passes it in), and
 * only this file decides which implementation of each port is used.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { ActionCatalog, InvokeAction, ListActions } from './actions';
import { createLogger, LogAuditor, Redactor, type ClosableLogger } from './audit';
import type { BrokerConfig, ValueSource } from './config';
import { createApp, startServer, type RunningServer } from './http';
import { credentialKeyNames, HttpTargetConnector } from './targets';
import { NodeVaultGateway, EnrollmentClient, type BrokerCredentials } from './vault';
import { ForbiddenError } from './errors';
import { CidrBinding } from './lifecycle/binding';
import { EnrollmentService } from './lifecycle/enroll';
import { RoleDirectory } from './lifecycle/role-directory';
import { IdempotencyRecords } from './idempotency';
import { TrafficShaper } from './shaping';
import { createStateStore } from './state';
import { BrokerMetrics } from './metrics';

export type BrokerEnv = Readonly<Record<string, string | undefined>>;

export interface BrokerOptions {
  config: BrokerConfig;
  env: BrokerEnv;
  /** Where JSON log lines go (default process.stdout). */
  logStream?: Writable;
}

export interface Broker {
  readonly config: BrokerConfig;
  readonly logger: ClosableLogger;
  readonly redactor: Redactor;
  readonly vault: NodeVaultGateway;
  readonly app: ReturnType<typeof createApp>;
  /** Logs in to Vault (retried in the background on failure) and listens. */
  start(): Promise<RunningServer>;
  /** Stops listening (after requests in flight), logs out of nothing, forgets keys. */
  stop(): Promise<void>;
}

/** Reads a `{ file } | { env } | { value }` source now (files are re-read on each call). */
export function readValueSource(source: ValueSource, env: BrokerEnv): string {
  switch (source.kind) {
    case 'file':
      return readFileSync(source.path, 'utf8').trim();
    case 'env': {
      const v = env[source.name];
      if (!v) throw new Error(`environment variable ${source.name} is not set`);
      return v.trim();
    }
    case 'inline':
      return source.value;
  }
}

function brokerCredentials(config: BrokerConfig, env: BrokerEnv): BrokerCredentials {
  const auth = config.vault.broker_auth;
  if (auth.method === 'token') return { method: 'token', token: () => readValueSource(auth.token, env) };
  return {
    method: 'approle',
    mount: auth.mount ?? config.vault.approle_mount,
    roleId: () => readValueSource(auth.role_id, env),
    secretId: () => readValueSource(auth.secret_id, env),
  };
}

/** The longest a call to `target` may wait in the broker for a rate-limit token (ms). */
function longestQueueMs(config: BrokerConfig, target: string): number {
  const limits = [
    config.targets[target]?.rate_limit,
    ...Object.values(config.actions)
      .filter((a) => a.target === target)
      .map((a) => a.rate_limit),
  ];
  return Math.max(0, ...limits.map((l) => (l?.per_second ? l.queue_ms : 0)));
}

export function composeBroker(options: BrokerOptions): Broker {
  const { config, env } = options;
  const redactor = new Redactor();
  for (const target of Object.values(config.targets)) {
    for (const name of credentialKeyNames(target.credential.inject)) redactor.registerSensitiveKey(name);
  }
  const logger = createLogger({
    level: config.log.level,
    redactor,
    stream: options.logStream,
    defaults: { service: 'credential-broker' },
  });
  // Metrics are counted from the audit events, so the two always agree.
  const metrics = config.metrics.enabled ? new BrokerMetrics({ actions: Object.keys(config.actions) }) : undefined;
  const auditor = metrics ? metrics.counting(new LogAuditor(logger)) : new LogAuditor(logger);
  const vault = new NodeVaultGateway({
    client: {
      address: config.vault.address,
      namespace: config.vault.namespace,
      ca: config.vault.tls?.ca_file ? readFileSync(config.vault.tls.ca_file) : undefined,
      timeoutMs: config.vault.request_timeout_ms,
    },
    approleMount: config.vault.approle_mount,
    brokerCredentials: brokerCredentials(config, env),
    keyCacheSeconds: config.key_cache_seconds,
    retryAfterSeconds: config.vault.retry_after_seconds,
    secrets: redactor,
    logger,
  });
  const targets = new HttpTargetConnector({ targets: config.targets, secrets: redactor });
  const catalog = new ActionCatalog(config.actions);
  const markerPrefix = config.vault.action_marker_prefix;
  // Identity lifecycle (issue 4): the secret-ID CIDR binding and POST /v1/enroll.
  const binding = new CidrBinding({
    requireCidr: config.endpoint_auth.require_cidr_binding,
    logger,
    forbidden: (message) => new ForbiddenError(message),
  });
  const enrollmentVault = new EnrollmentClient(
    {
      address: config.vault.address,
      namespace: config.vault.namespace,
      ca: config.vault.tls?.ca_file ? readFileSync(config.vault.tls.ca_file) : undefined,
      timeoutMs: config.vault.request_timeout_ms,
    },
    {
      brokerToken: async () => (await vault.identity.vault()).token,
      approleMount: config.vault.approle_mount,
      retryAfterSeconds: config.vault.retry_after_seconds,
    },
  );
  const enrollment = new EnrollmentService({
    vault: enrollmentVault,
    roles: new RoleDirectory(enrollmentVault, Object.keys(config.endpoint_groups)),
    approleMount: config.vault.approle_mount,
    logger,
    secrets: redactor,
  });
  // Idempotency records and shaping counters (issue 6): in memory, or in Redis shared
  // by every replica. A Redis password in the URL is a secret like any other.
  const redisPassword = /^rediss?:/.test(config.state.store) ? new URL(config.state.store).password : '';
  if (redisPassword) redactor.registerSecret(decodeURIComponent(redisPassword));
  const state = createStateStore(config.state);
  const onStateError = (err: unknown, context: string) => logger.warn('state store problem', { context, err });
  const idempotency = new IdempotencyRecords(state, { ttlMs: config.idempotency.ttl_seconds * 1000 });
  const shaper = new TrafficShaper(
    state,
    { targets: config.targets, actions: config.actions, circuitBreaker: config.circuit_breaker },
    (err) => onStateError(err, 'shaping'),
  );
  // A claim must outlive the request it guards: the wait for a rate-limit slot (up to
  // twice queue_ms, see TrafficShaper), key fetch, target call, and a margin. Fixed by
  // the config, so worked out once here rather than on every invocation.
  const callLeaseMs = new Map(
    Object.entries(config.targets).map(([name, t]) => [
      name,
      2 * longestQueueMs(config, name) + t.timeout_ms + config.vault.request_timeout_ms + 5_000,
    ]),
  );
  const DEFAULT_CALL_LEASE_MS = 10_000 + config.vault.request_timeout_ms + 5_000;
  const invokeAction = new InvokeAction({
    idempotency,
    shaper,
    callLeaseMs: (target) => callLeaseMs.get(target) ?? DEFAULT_CALL_LEASE_MS,
    onStateError,
    binding,
    catalog,
    vault,
    targets,
    markerPrefix,
    credentialRefs: Object.fromEntries(Object.entries(config.targets).map(([name, t]) => [name, t.credential.ref])),
  });
  const listActions = new ListActions({ catalog, vault, markerPrefix, binding });
  const app = createApp({
    catalog,
    invokeAction,
    listActions,
    vault,
    auditor,
    logger,
    secrets: redactor,
    maxBodyBytes: config.listen.max_body_bytes,
    trustedProxies: config.listen.trusted_proxies,
    retryAfterSeconds: config.vault.retry_after_seconds,
    endpointAuth: config.endpoint_auth,
    enrollment,
    metrics: metrics && { registry: metrics, path: config.metrics.path },
  });

  let server: RunningServer | null = null;
  return {
    config,
    logger,
    redactor,
    vault,
    app,
    async start() {
      await vault.start();
      const tls = config.listen.tls && {
        cert: readFileSync(config.listen.tls.cert_file),
        key: readFileSync(config.listen.tls.key_file),
      };
      server = await startServer(app, {
        host: config.listen.host,
        port: config.listen.port,
        tls,
        graceMs: config.listen.shutdown_grace_ms,
      });
      logger.info('broker listening', { url: server.url, actions: catalog.names(), vault: config.vault.address });
      return server;
    },
    async stop() {
      await server?.stop();
      server = null;
      await vault.close();
      await targets.close();
      await state.close();
      logger.info('broker stopped');
      await logger.close();
    },
  };
}
