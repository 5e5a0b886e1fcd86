import pino from 'pino';
import type { Logger } from '@parley/shared';

/** A real pino logger writing its JSON lines into an array, for tests that assert on logs. */
export function captureLogger(level = 'info'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  ) as Logger;
  return { logger, lines };
}
