import { readConfig } from '@parley/shared';
import { serve } from '@parley/shared/http';
import { runMain } from '@parley/shared/composition';
import { ConfigSchema } from './config';
import { createAnalyticsRuntime } from './runtime';

runMain('dialogue-analytics', async (logger) => {
  const config = readConfig(ConfigSchema);
  logger.level = config.LOG_LEVEL;
  const runtime = await createAnalyticsRuntime(config, logger);
  await serve(runtime.app, { port: config.PORT, logger, onShutdown: runtime.close });
});
