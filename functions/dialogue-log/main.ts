import { readConfig } from '@parley/shared';
import { serve } from '@parley/shared/http';
import { runMain } from '@parley/shared/composition';
import { ConfigSchema } from './config';
import { FUNCTION_NAME, createLogRuntime } from './runtime';

runMain(FUNCTION_NAME, async (logger) => {
  const config = readConfig(ConfigSchema);
  logger.level = config.LOG_LEVEL;
  const runtime = await createLogRuntime(config, logger);
  await serve(runtime.app, { port: config.PORT, logger, onShutdown: runtime.close });
});
