import type { Logger } from '../ports/logger';
import { createLogger } from '../observability/logger';
import { startTracing } from '../observability/tracing';

/**
 * Start a function's composition root. A failure at start-up (bad config, invalid character file,
 * unreachable dependency) prints one clear line and exits non-zero, so the platform restarts or
 * reports it; nothing half-started keeps running.
 */
export function runMain(functionName: string, main: (logger: Logger) => Promise<void>): void {
  const logger = createLogger(functionName);
  // Before anything handles a request: spans need the propagator and context manager in place.
  startTracing(functionName);
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  main(logger).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${functionName}: cannot start: ${message}\n`);
    process.exit(1);
  });
}
