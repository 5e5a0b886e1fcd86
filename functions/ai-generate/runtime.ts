import { redisTargetFromConfig, type Logger } from '@parley/shared';
import { brokerReadiness, createAiGateway, createEventOutbox, createEventPublisher } from '@parley/shared/composition';
import type { Config } from './config';

export const FUNCTION_NAME = 'ai-generate';

/**
 * Everything ai-generate runs, built from a config object (main.ts reads it from env; tests pass their
 * own): the gateway (`createAiGateway`: the provider chain, the scripted fallback) and, when there is a
 * broker, the outbox its analytics wait in until the broker confirms them (Redis when one is configured, else
 * bounded memory). `close` waits for the calls in flight, then closes the outbox and the broker.
 */
export async function createRuntime(config: Config, logger: Logger) {
  // Analytics go to the broker when there is one; with neither AMQP nor a sink there is no one to tell.
  const broker = config.AMQP_URL || config.K_SINK ? await createEventPublisher(config, logger) : undefined;
  const publisher = broker ? createEventOutbox(config, broker, logger, FUNCTION_NAME) : undefined;
  const gateway = createAiGateway(config, { publisher, logger });
  if (!config.AI_SERVICE_TOKEN)
    logger.warn('AI_SERVICE_TOKEN is unset: any caller that reaches this service may use it');
  return {
    gateway,
    // The broker is degraded, not fatal: AI calls go on while it is down.
    readiness: {
      ai: () => gateway.ping(),
      ...(publisher ? { events: brokerReadiness(publisher) } : {}),
      // Redis holds the outbox; without it analytics wait in memory: degraded, not fatal.
      ...(publisher && redisTargetFromConfig(config)
        ? {
            outbox: () =>
              publisher.pingBuffer().then(
                () => 'ok',
                (err: unknown) => `degraded: ${(err as Error).message}; analytics wait in memory`,
              ),
          }
        : {}),
    },
    async close() {
      await gateway.drain();
      await publisher?.close();
      await broker?.close();
    },
  };
}
