/**
 * POST /v1/enroll `{ role_id, wrapping_token }` → `{ request_id, secret_id,
 * secret_id_accessor, expires_at }`. The use case is src/lifecycle/enroll.ts. The response
 * body is the one place the secret ID travels; it is never logged (the audit event holds
 * only the role and the caller's address).
 */
import { Router, type RequestHandler } from 'express';
import type { Auditor } from '../../audit';
import type { EnrollmentService } from '../../lifecycle/enroll';
import { audited } from '../middleware/audit';
import { jsonBody } from '../middleware/json-body';
import { locals } from '../locals';

export function enrollRoutes(deps: { enrollment: EnrollmentService; auditor: Auditor; maxBodyBytes: number }): Router {
  const router = Router();
  const [parseJson, mapJsonErrors] = jsonBody(deps.maxBodyBytes);
  const enroll: RequestHandler = async (req, res) => {
    const l = locals(res);
    const out = await deps.enrollment.enroll(req.body, {
      requestId: l.requestId,
      clientIp: l.clientIp,
      onRole: (role) => l.trail?.set({ role_name: role }),
    });
    l.trail?.set({ secret_id_accessor: out.secret_id_accessor });
    res.status(200).json({ request_id: l.requestId, ...out });
  };
  router.post('/v1/enroll', audited('enroll', deps.auditor), parseJson, mapJsonErrors, enroll);
  return router;
}
