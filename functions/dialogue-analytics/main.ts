import { readConfig, serve } from '../../shared/src';
import { runMain } from '../../shared/src/composition/run-main';
import { ConfigSchema } from './config';
import { createAnalyticsRuntime } from './runtime';

runMain('dialogue-analytics', async (logger) => {
  const config = readConfig(ConfigSchema);
  logger.level = config.LOG_LEVEL;
  const runtime = await createAnalyticsRuntime(config, logger);
  await serve(runtime.app, { port: config.PORT, logger, onShutdown: runtime.close });
});
