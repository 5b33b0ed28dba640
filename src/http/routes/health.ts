/**
 * GET /v1/health: the process is up (for liveness probes; never touches Vault).
 * GET /v1/ready: Vault reachable and unsealed, and the broker's own token valid (for
 * load balancers: a replica that cannot reach Vault gets no traffic).
 */
import { Router } from 'express';
import type { VaultGateway } from '../../vault/vault-gateway';
import { locals } from '../locals';

export function healthRoutes(deps: { vault: Pick<VaultGateway, 'readiness'>; retryAfterSeconds: number }): Router {
  const router = Router();
  router.get('/v1/health', (_req, res) => {
    res.json({ status: 'ok', request_id: locals(res).requestId });
  });
  router.get('/v1/ready', async (_req, res) => {
    const report = await deps.vault.readiness();
    if (!report.ready) res.status(503).set('Retry-After', String(deps.retryAfterSeconds));
    res.json({ ready: report.ready, checks: report.checks, request_id: locals(res).requestId });
  });
  return router;
}
