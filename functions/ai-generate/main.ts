import { eventSource, readConfig } from '@parley/shared';
import { serve } from '@parley/shared/http';
import { AiGateway, ScriptedProvider, createAiProviders, runMain, brokerReadiness, createEventOutbox, createEventPublisher, processMetrics } from '@parley/shared/composition';
import { createApp } from './app';
import { ConfigSchema } from './config';

const FUNCTION_NAME = 'ai-generate';

runMain(FUNCTION_NAME, async (logger) => {
  const config = readConfig(ConfigSchema);
  logger.level = config.LOG_LEVEL;
  const chunkDelayMs = config.SCRIPTED_CHUNK_DELAY_MS;
  // Analytics go to the broker when there is one; with neither AMQP nor a sink there is no one to tell.
  const broker = config.AMQP_URL || config.K_SINK ? await createEventPublisher(config, logger) : undefined;
  // Durable until the broker confirms: an outbox in Redis (REDIS_URL), else bounded memory.
  const publisher = broker ? createEventOutbox(config, broker, logger, FUNCTION_NAME) : undefined;
  const gateway = new AiGateway({
    // AI_PROVIDER may name a chain (openai,scripted): the gateway hands a failed call to the next.
    provider: createAiProviders(config, { chunkDelayMs, logger }),
    fallback: new ScriptedProvider({ chunkDelayMs }),
    publisher,
    metrics: processMetrics(),
    source: eventSource(FUNCTION_NAME),
    logger,
  });
  if (!config.AI_SERVICE_TOKEN) logger.warn('AI_SERVICE_TOKEN is unset: any caller that reaches this service may use it');
  const app = createApp({
    gateway,
    logger,
    metrics: processMetrics(),
    // The broker is degraded, not fatal: AI calls go on while it is down.
    readiness: {
      ai: () => gateway.ping(),
      ...(publisher ? { events: brokerReadiness(publisher) } : {}),
      // Redis holds the outbox; without it analytics wait in memory: degraded, not fatal.
      ...(publisher && config.REDIS_URL
        ? { outbox: () => publisher.pingBuffer().then(() => 'ok', (err: unknown) => `degraded: ${(err as Error).message}; analytics wait in memory`) }
        : {}),
    },
    serviceToken: config.AI_SERVICE_TOKEN,
  });
  await serve(app, {
    port: config.PORT,
    logger,
    onShutdown: async () => {
      await gateway.drain();
      await publisher?.close();
      await broker?.close();
    },
  });
});

