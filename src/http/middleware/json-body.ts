/**
 * The JSON body parser with the broker's size limit, and its failures turned into the
 * taxonomy (413, 400). Any content type is read as JSON: endpoint scripts do not always
 * set one, and a body that is not JSON is rejected either way.
 */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { InvalidParametersError, PayloadTooLargeError } from '../../errors';

export function jsonBody(limitBytes: number): [RequestHandler, ErrorRequestHandler] {
  const parse = express.json({ limit: limitBytes, strict: true, type: () => true });
  const mapErrors: ErrorRequestHandler = (err, _req, _res, next) => {
    const type = (err as { type?: unknown }).type;
    if (type === 'entity.too.large') return next(new PayloadTooLargeError(limitBytes));
    if (type === 'entity.parse.failed') {
      return next(new InvalidParametersError([{ field: 'body', message: 'is not valid JSON (send a JSON object of parameters)' }]));
    }
    if (typeof type === 'string') return next(new InvalidParametersError([{ field: 'body', message: `could not be read (${type})` }]));
    next(err);
  };
  return [parse, mapErrors];
}
