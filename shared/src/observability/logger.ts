import pino from 'pino';

/** JSON logs on stdout, one line each; LOG_LEVEL picks the level (silent in tests). */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'silent' : 'info')) {
  return pino({ name, level, base: { fn: name }, timestamp: pino.stdTimeFunctions.isoTime });
}
export type Logger = ReturnType<typeof createLogger>;
