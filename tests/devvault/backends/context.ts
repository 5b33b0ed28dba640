/**
 * Builds the RequestContext the devvault core hands a backend, with a clock the test
 * moves by hand (an injected dependency, so expiry tests do not sleep).
 */
import type { Backend, BackendResponse, Clock, Operation, RequestContext } from '../../../src/devvault/backend';
import { LogicalError } from '../../../src/devvault/backend';

export class ManualClock implements Clock {
  constructor(private ms = Date.UTC(2024, 0, 2, 3, 4, 5, 600)) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface CallOptions {
  body?: Record<string, unknown>;
  query?: Record<string, string>;
  clientIp?: string;
}

/**
 * Calls a backend the way the core does: a write is "create" when exists() says the
 * target is missing, else "update".
 */
export function makeCaller(backend: Backend, mountPath: string, clock: ManualClock) {
  return async function call(
    op: Operation | 'write',
    path: string,
    opts: CallOptions = {},
  ): Promise<BackendResponse | null | undefined> {
    const ctx: RequestContext = {
      operation: op === 'write' ? 'update' : op,
      path,
      mountPath,
      body: opts.body ?? {},
      query: opts.query ?? {},
      clientIp: opts.clientIp ?? '127.0.0.1',
      token: { accessor: 'acc', policies: ['root'], isRoot: true },
      requestId: 'req-1',
      clock,
    };
    if (op === 'write') ctx.operation = backend.exists && !backend.exists(ctx) ? 'create' : 'update';
    return backend.handle(ctx);
  };
}

/** The LogicalError a call throws (fails the test if it does not throw one). */
export async function errorOf(p: Promise<unknown>): Promise<LogicalError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof LogicalError) return err;
    throw err;
  }
  throw new Error('expected a LogicalError, got a result');
}
