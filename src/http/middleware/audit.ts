/**
 * One audit event per request on audited routes, written when the response is finished
 * (or the connection closed), with the final status and the trail the use case filled.
 */
import type { RequestHandler } from 'express';
import { AuditTrail, type Auditor } from '../../audit';
import { locals } from '../locals';

export function audited(event: string, auditor: Auditor): RequestHandler {
  return (_req, res, next) => {
    const l = locals(res);
    const trail = new AuditTrail(l.requestId, event);
    trail.set({ client_ip: l.clientIp });
    l.trail = trail;
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      // A connection closed before the answer was sent is recorded as 499 (client closed).
      const status = res.writableFinished ? res.statusCode : 499;
      auditor.record(trail.finish(status, l.errorCode));
    };
    res.once('finish', write);
    res.once('close', write);
    next();
  };
}
