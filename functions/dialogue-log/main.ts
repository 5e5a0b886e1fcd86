import { readConfig, serve } from '../../shared/src';
import { runMain } from '../../shared/src/composition/run-main';
import { ConfigSchema } from './config';
import { FUNCTION_NAME, createLogRuntime } from './runtime';

runMain(FUNCTION_NAME, async (logger) => {
  const config = readConfig(ConfigSchema);
  logger.level = config.LOG_LEVEL;
  const runtime = await createLogRuntime(config, logger);
  await serve(runtime.app, { port: config.PORT, logger, onShutdown: runtime.close });
});
