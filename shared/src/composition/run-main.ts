import type { z } from 'zod';
import { readConfig } from '../config';
import type { Logger } from '../ports/logger';
import { createLogger } from '../observability/logger';
import { startTracing } from '../observability/tracing';

/**
 * Start a function's composition root: read its config once through `schema` (from the environment),
 * make the logger at the config's LOG_LEVEL, then run `main`. A failure at start-up (bad config,
 * invalid character file, unreachable dependency) prints one clear line and exits non-zero, so the
 * platform restarts or reports it; nothing half-started keeps running.
 */
export function runMain<S extends z.ZodObject>(
  functionName: string,
  schema: S & z.ZodType<{ LOG_LEVEL: string }>,
  main: (config: z.infer<S>, logger: Logger) => Promise<void>,
): void {
  // Before anything handles a request: spans need the propagator and context manager in place.
  startTracing(functionName);
  const start = async () => {
    const config = readConfig(schema);
    const logger = createLogger(functionName, config.LOG_LEVEL);
    process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
    await main(config, logger);
  };
  start().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${functionName}: cannot start: ${message}\n`);
    process.exit(1);
  });
}
