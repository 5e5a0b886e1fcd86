/**
 * Structured logging as the code uses it: a level-named method per severity taking a context
 * object and a message (pino's argument order), a child that adds fields to every line, and a
 * settable `level` (`fatal`..`trace` or `silent`). `observability/logger.ts` builds one with pino;
 * any pino logger fits.
 */
export interface Logger {
  level: string;
  fatal: LogMethod;
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
  trace: LogMethod;
  child(bindings: Record<string, unknown>): Logger;
}

/** `log(message)` or `log({ ...fields }, message)`. */
export interface LogMethod {
  (message: string): void;
  (fields: object, message?: string): void;
}
