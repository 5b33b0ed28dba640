/**
 * Gives every request an id (always generated here: a caller-supplied id would let a
 * caller forge audit correlation) and resolves the caller's address, honouring
 * X-Forwarded-For only from `listen.trusted_proxies`.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { resolveClientAddress } from '../../lifecycle/client-address';
import { locals } from '../locals';

export function requestContext(trustedProxies: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const requestId = randomUUID();
    const l = locals(res);
    l.requestId = requestId;
    l.clientIp = resolveClientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies).ip;
    res.setHeader('X-Request-Id', requestId);
    // Answers carry results of privileged calls: never cache them anywhere.
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
