import pino from 'pino';
import type { Logger } from '../ports/logger';

/**
 * JSON logs on stdout, one line each, `fn` naming the function. The level is the argument, else
 * LOG_LEVEL, else `info`; tests pass `silent` (or set LOG_LEVEL) when they want quiet.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { fn: name }, timestamp: pino.stdTimeFunctions.isoTime });
}
