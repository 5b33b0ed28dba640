/**
 * The one place errors become responses: `{ "error": { "code", "message" }, "request_id" }`.
 * Errors of the taxonomy (src/errors) show their own safe message and status. Anything
 * else is a bug or a misconfiguration: the caller gets "internal error (log id …)" and the
 * original error is logged (redacted) under that id. No stack, Vault or target body ever
 * reaches a response.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../../audit';
import { isBrokerError, NotFoundError } from '../../errors';
import { locals } from '../locals';

export function notFound(): RequestHandler {
  return (req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`));
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const l = locals(res);
    if (isBrokerError(err)) {
      l.errorCode = err.code;
      if (err.status >= 500) {
        logger.warn(err.message, { request_id: l.requestId, code: err.code, err });
      }
      res.status(err.status).set(err.headers());
      res.json({ error: { code: err.code, message: err.message, ...err.details() }, request_id: l.requestId });
      return;
    }
    const logId = randomUUID();
    l.errorCode = 'internal';
    logger.error('internal error', { log_id: logId, request_id: l.requestId, method: req.method, path: req.path, err });
    res.status(500).json({ error: { code: 'internal', message: `internal error (log id ${logId})` }, request_id: l.requestId });
  };
}
