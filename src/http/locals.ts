/** What the middleware keeps per request in `res.locals`. */
import type { Response } from 'express';
import type { AuditTrail } from '../audit';

export interface RequestLocals {
  requestId: string;
  clientIp: string;
  /** Present on audited routes. */
  trail?: AuditTrail;
  /** Set by the error handler, for the audit event. */
  errorCode?: string;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}
