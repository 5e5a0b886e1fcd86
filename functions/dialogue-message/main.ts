import { serve } from '@parley/shared/http';
import { processMetrics, runMain } from '@parley/shared/composition';
import { createApp } from './app';
import { ConfigSchema } from './config';
import { FUNCTION_NAME, createRuntime } from './runtime';

runMain(FUNCTION_NAME, ConfigSchema, async (config, logger) => {
  const runtime = await createRuntime(config, logger);
  const app = createApp(runtime.deps, {
    logger,
    readiness: runtime.readiness,
    access: runtime.access,
    metrics: processMetrics(),
  });
  await serve(app, { port: config.PORT, logger, onShutdown: runtime.close });
});
