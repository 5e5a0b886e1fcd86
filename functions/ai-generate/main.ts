import { serve } from '@parley/shared/http';
import { processMetrics, runMain } from '@parley/shared/composition';
import { createApp } from './app';
import { ConfigSchema } from './config';
import { FUNCTION_NAME, createRuntime } from './runtime';

runMain(FUNCTION_NAME, ConfigSchema, async (config, logger) => {
  const runtime = await createRuntime(config, logger);
  const app = createApp({
    gateway: runtime.gateway,
    logger,
    readiness: runtime.readiness,
    serviceToken: config.AI_SERVICE_TOKEN,
    metrics: processMetrics(),
    frameMs: config.SSE_FRAME_MS,
  });
  await serve(app, { port: config.PORT, logger, onShutdown: runtime.close });
});
