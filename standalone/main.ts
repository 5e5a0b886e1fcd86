/**
 * `npm start`: every function in ONE process behind one port, on embedded defaults (in-memory
 * store, in-process event bus feeding the log and analytics handlers, AI gateway in-process with
 * the scripted provider), so a newcomer sees the whole system with nothing installed. REDIS_URL,
 * AMQP_URL and AI_URL switch the same process to the real services.
 */
import { join } from 'node:path';
import { serve } from '@parley/shared/http';
import { processMetrics, runMain } from '@parley/shared/composition';
import { createApp } from './app';
import { ConfigSchema } from './config';
import { FUNCTION_NAME, createRuntime } from './runtime';

runMain(FUNCTION_NAME, ConfigSchema, async (config, logger) => {
  const runtime = await createRuntime(config, logger);
  // The bundle runs from dist/standalone; the playground is built beside it.
  const app = createApp(runtime, {
    logger,
    playgroundDir: join(__dirname, '..', 'playground'),
    metrics: processMetrics(),
  });
  await serve(app, { port: config.PORT, logger, onShutdown: runtime.close });
  // For the person who typed npm start: one plain line to open, beside the JSON log.
  process.stdout.write(
    `\nParley is running: open http://localhost:${config.PORT}/ (playground; API under /v1, OpenAPI at /openapi.json)\n\n`,
  );
});
