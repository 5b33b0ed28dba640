/**
 * The broker's Express app, built from its collaborators (the composition root,
 * src/compose.ts, or a test, passes them in). No listening here: see server.ts.
 */
import express, { type Express } from 'express';
import type { ActionCatalog, InvokeAction, ListActions } from '../actions';
import type { Auditor, Logger, SecretRegistry } from '../audit';
import type { EndpointAuthConfig } from '../config';
import type { EnrollmentService } from '../lifecycle/enroll';
import type { BrokerMetrics } from '../metrics';
import type { VaultGateway } from '../vault/vault-gateway';
import { errorHandler, notFound } from './middleware/error-handler';
import { requestContext } from './middleware/request-context';
import { actionRoutes } from './routes/actions';
import { enrollRoutes } from './routes/enroll';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';

export interface AppDeps {
  catalog: ActionCatalog;
  invokeAction: InvokeAction;
  listActions: ListActions;
  vault: Pick<VaultGateway, 'readiness'>;
  auditor: Auditor;
  logger: Logger;
  secrets: SecretRegistry;
  maxBodyBytes: number;
  trustedProxies: readonly string[];
  retryAfterSeconds: number;
  /** Endpoint authentication modes (issue 4); default AppRole only. */
  endpointAuth?: EndpointAuthConfig;
  /** POST /v1/enroll (issue 4); the route is absent without it. */
  enrollment?: EnrollmentService;
  /** GET <path> in Prometheus format; absent when metrics are off. */
  metrics?: { registry: BrokerMetrics; path: string };
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Client addresses are resolved by requestContext from listen.trusted_proxies only.
  app.set('trust proxy', false);
  app.use(requestContext(deps.trustedProxies));
  app.use(healthRoutes({ vault: deps.vault, retryAfterSeconds: deps.retryAfterSeconds }));
  if (deps.metrics) app.use(metricsRoutes(deps.metrics.registry, deps.metrics.path));
  app.use(actionRoutes(deps));
  if (deps.enrollment) app.use(enrollRoutes({ enrollment: deps.enrollment, auditor: deps.auditor, maxBodyBytes: deps.maxBodyBytes }));
  app.use(notFound());
  app.use(errorHandler(deps.logger));
  return app;
}
