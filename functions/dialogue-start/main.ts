import { readConfig } from '../../shared/src';
import { DialogueConfigSchema } from '../../shared/src/config';
import { createDialogueRuntime } from '../../shared/src/composition/runtime';
import { serve } from '../../shared/src/http/serve';
import { runMain } from '../../shared/src/composition/run-main';
import { createApp } from './app';

const FUNCTION_NAME = 'dialogue-start';

runMain(FUNCTION_NAME, async (logger) => {
  const config = readConfig(DialogueConfigSchema);
  logger.level = config.LOG_LEVEL;
  const runtime = await createDialogueRuntime(config, { functionName: FUNCTION_NAME, logger });
  const app = createApp(runtime.deps, { logger, readiness: runtime.readiness });
  await serve(app, { port: config.PORT, logger, onShutdown: runtime.close });
});
