/**
 * POST /v1/actions/:name and GET /v1/actions. Thin: parse the HTTP parts, call the use
 * case, shape the answer. Order for POST: credentials present (401) → action exists (404)
 * → body size and JSON (413/400) → use case (parameters 400, then Vault).
 */
import { Router, type RequestHandler } from 'express';
import type { ActionCatalog, InvokeAction, ListActions } from '../../actions';
import type { Auditor, SecretRegistry } from '../../audit';
import { audited } from '../middleware/audit';
import type { EndpointAuthConfig } from '../../config';
import { requireEndpointCredentials } from '../middleware/endpoint-credentials';
import { jsonBody } from '../middleware/json-body';
import { locals } from '../locals';

export interface ActionRoutesDeps {
  catalog: ActionCatalog;
  invokeAction: InvokeAction;
  listActions: ListActions;
  auditor: Auditor;
  secrets: SecretRegistry;
  maxBodyBytes: number;
  /** Which endpoint authentication modes are on (default: AppRole only). */
  endpointAuth?: EndpointAuthConfig;
}

export function actionRoutes(deps: ActionRoutesDeps): Router {
  const router = Router();
  const [parseJson, mapJsonErrors] = jsonBody(deps.maxBodyBytes);

  const checkBeforeBody: RequestHandler = (req, res, next) => {
    const l = locals(res);
    const name = String(req.params.name);
    l.trail?.set({ action: name });
    res.locals.credentials = requireEndpointCredentials(req, deps.secrets, deps.endpointAuth);
    deps.catalog.get(name); // 404 before the body is read
    next();
  };
  const invoke: RequestHandler = async (req, res) => {
    const l = locals(res);
    const out = await deps.invokeAction.execute({
      action: String(req.params.name),
      body: req.body,
      credentials: res.locals.credentials,
      requestId: l.requestId,
      clientIp: l.clientIp,
      idempotencyKey: req.get('Idempotency-Key'),
      trail: l.trail!,
    });
    if (out.replayed) {
      // A completed Idempotency-Key: the first response, as it was sent (IETF draft).
      res.status(out.replayed.status).set('Idempotent-Replayed', 'true').json(out.replayed.body);
      return;
    }
    res.status(200).json({ request_id: l.requestId, action: out.action, result: out.result });
  };
  router.post('/v1/actions/:name', audited('action.invoke', deps.auditor), checkBeforeBody, parseJson, mapJsonErrors, invoke);

  router.get('/v1/actions', audited('actions.list', deps.auditor), async (req, res) => {
    const l = locals(res);
    const credentials = requireEndpointCredentials(req, deps.secrets, deps.endpointAuth);
    const actions = await deps.listActions.execute({ credentials, clientIp: l.clientIp, requestId: l.requestId, trail: l.trail! });
    res.status(200).json({ request_id: l.requestId, actions });
  });

  return router;
}
