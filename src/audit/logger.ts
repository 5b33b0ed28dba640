/**
 * The process's logger: winston writing JSON lines, with the redactor applied to every
 * field of every line (src/audit/redactor.ts). Code outside src/audit sees only the small
 * `Logger` interface, so nothing depends on winston directly.
 */
import type { Writable } from 'node:stream';
import winston from 'winston';
import { Redactor } from './redactor';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  redactor: Redactor;
  /** Where JSON lines go; process.stdout by default. Tests pass a capturing stream. */
  stream?: Writable;
  /** Fields added to every line (e.g. `{ service: 'credential-broker' }`). */
  defaults?: LogFields;
}

export interface ClosableLogger extends Logger {
  /** Flushes and detaches the output stream (does not end process.stdout). */
  close(): Promise<void>;
}

export function createLogger(options: LoggerOptions): ClosableLogger {
  const { redactor } = options;
  // Runs first, on the merged info object: every string-keyed field is replaced by a
  // redacted copy; winston's own symbol keys (level, splat, message) are kept.
  const redact = winston.format((info) => {
    for (const key of Object.keys(info)) {
      if (key === 'level') continue;
      const value = (info as Record<string, unknown>)[key];
      (info as Record<string, unknown>)[key] =
        redactor.isSensitiveKey(key) && value !== undefined && value !== '' ? '[REDACTED]' : redactor.redact(value);
    }
    return info;
  });
  // One ISO-8601 field, `time` (winston's timestamp format with an alias writes two).
  const stamp = winston.format((info) => {
    (info as Record<string, unknown>).time = new Date().toISOString();
    return info;
  });
  const stream = options.stream ?? process.stdout;
  const transport = new winston.transports.Stream({ stream });
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: options.defaults,
    format: winston.format.combine(redact(), stamp(), winston.format.json()),
    transports: [transport],
    exitOnError: false,
  });
  const write = (level: LogLevel) => (message: string, fields?: LogFields) => {
    logger.log(level, message, { ...fields });
  };
  return {
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    close: () =>
      new Promise<void>((resolve) => {
        logger.remove(transport);
        resolve();
      }),
  };
}

/** A logger that drops everything (for code paths where logging is optional). */
export const silentLogger: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
