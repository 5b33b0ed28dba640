/**
 * Reading and decoding request bodies the way Vault's http/logical.go does (reference
 * §0.4): JSON unless the request says application/x-www-form-urlencoded *and* the body
 * does not start with `{` or `[`; a body that is not a JSON object is "error parsing
 * JSON"; a body over the size limit is 413 "http: request body too large".
 */
import type { IncomingMessage } from 'node:http';
import { BODY_TOO_LARGE_TEXT, VaultHttpError } from './errors';

/** Vault's default max_request_size. */
export const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/**
 * After the limit is hit we keep reading (and discarding) so the client can finish
 * sending and read our 413; past this many extra bytes we give up and drop the socket.
 */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export type BodyResult = { ok: true; body: Buffer } | { ok: false; error: VaultHttpError };

export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let drained = 0;
    let settled = false;
    const finish = (r: BodyResult): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) tooLarge = true;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) {
        drained += chunk.length;
        if (drained > MAX_DRAIN_BYTES) {
          finish({ ok: false, error: new VaultHttpError(413, [BODY_TOO_LARGE_TEXT]) });
          req.destroy();
        }
        return;
      }
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) finish({ ok: false, error: new VaultHttpError(413, [BODY_TOO_LARGE_TEXT]) });
      else finish({ ok: true, body: Buffer.concat(chunks) });
    });
    req.on('error', () => finish({ ok: false, error: new VaultHttpError(400, ['error reading request body']) }));
    req.on('aborted', () => finish({ ok: false, error: new VaultHttpError(400, ['error reading request body']) }));
  });
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** http/logical.go isForm: form content type and a body that does not look like JSON. */
function isForm(body: Buffer, contentType: string | undefined): boolean {
  if (mediaType(contentType) !== 'application/x-www-form-urlencoded') return false;
  for (const c of body.subarray(0, 512)) {
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c !== 0x7b && c !== 0x5b; // '{' or '['
  }
  return true;
}

/** parseFormRequest: one value → string, repeated keys → list. */
function parseForm(body: Buffer): Record<string, unknown> {
  const params = new URLSearchParams(body.toString('utf8'));
  const out: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    out[key] = values.length === 1 ? values[0] : values;
  }
  return out;
}

/**
 * Decode a write body. Returns {} for an empty body or JSON null. Throws a 400
 * VaultHttpError with Vault's text for anything that is not a JSON object.
 */
export function decodeBody(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (isForm(body, contentType)) return parseForm(body);
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new VaultHttpError(400, ['error parsing JSON']);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new VaultHttpError(400, ['error parsing JSON']);
  return parsed as Record<string, unknown>;
}

/** PATCH needs application/merge-patch+json (http/logical.go). */
export function checkPatchContentType(contentType: string | undefined): void {
  const mt = mediaType(contentType);
  if (mt === '') throw new VaultHttpError(400, ['mime: no media type']);
  if (mt !== 'application/merge-patch+json') {
    throw new VaultHttpError(415, [`PATCH requires Content-Type of application/merge-patch+json, got ${JSON.stringify(mt)}`]);
  }
}
