/**
 * GET /metrics: Prometheus text format (src/metrics). Unauthenticated like a health
 * check, and like one it carries nothing secret: counts and timings by event, action
 * and outcome. Turn it off with `metrics.enabled: false`, or keep the broker's port
 * off networks where action names should not be visible.
 */
import { Router } from 'express';
import type { BrokerMetrics } from '../../metrics';

export function metricsRoutes(metrics: BrokerMetrics, path: string): Router {
  const router = Router();
  router.get(path, async (_req, res, next) => {
    try {
      const body = await metrics.text();
      res.set('Content-Type', metrics.contentType()).set('Cache-Control', 'no-store').send(body);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
