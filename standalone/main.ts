/**
 * `npm start`: every function in ONE process behind one port, on embedded defaults (in-memory
 * store, in-process event bus feeding the log and analytics handlers, AI gateway in-process with
 * the scripted provider), so a newcomer sees the whole system with nothing installed. REDIS_URL,
 * AMQP_URL and AI_URL switch the same process to the real services.
 */
import { join } from 'node:path';
import { serve } from '@parley/shared/http';
import { aiProviderChain, processMetrics, runMain } from '@parley/shared/composition';
import { createApp } from './app';
import { ConfigSchema, type Config } from './config';
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
  // For the person who typed npm start: one plain line to open, beside the JSON log, and which AI
  // answers (so a newcomer sees that their model settings took effect).
  process.stdout.write(
    `\nParley is running: open http://localhost:${config.PORT}/ (playground; API under /v1, OpenAPI at /openapi.json)\n` +
      `AI: ${describeAi(config)}\n\n`,
  );
});

/** `ai-generate at <url>`, or the provider chain with its model or endpoint, e.g. `openai (qwen2.5 at http://127.0.0.1:11434/v1)`. */
function describeAi(config: Config): string {
  if (config.AI_URL) return `the ai-generate service at ${config.AI_URL}`;
  return aiProviderChain(config)
    .map((name) => {
      if (name === 'openai')
        return `openai (${config.AI_MODEL ?? 'default model'} at ${config.OPENAI_BASE_URL ?? 'api.openai.com'})`;
      if (name === 'llama') return `llama (${config.LLAMA_MODEL ?? config.LLAMA_MODEL_PATH ?? 'no model set'})`;
      return 'scripted (offline, no model)';
    })
    .join(', then ');
}
