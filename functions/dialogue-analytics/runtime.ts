import {
  ParleyError,
  redisTargetFromConfig,
  type AnalyticsStore,
  type EventHandler,
  type Logger,
} from '@parley/shared';
import { MemoryAnalyticsStore, RedisAnalyticsStore, startSubscriber } from '@parley/shared/composition';
import type { Config } from './config';
import { createAnalyticsService, type AnalyticsService } from './handler';

export const FUNCTION_NAME = 'dialogue-analytics';

/**
 * The queue consumer requeues every handler failure; an event whose data can never be counted
 * (a 4xx, not retryable) would come back forever. It is logged and dropped instead, while store
 * failures still reject and the event is redelivered.
 */
export function queueHandler(service: AnalyticsService, logger: Logger): EventHandler {
  return async (event) => {
    try {
      await service.handle(event);
    } catch (err) {
      if (err instanceof ParleyError && !err.retryable && err.status < 500) {
        logger.error({ err, eventId: event.id, type: event.type }, 'dropping an event analytics cannot count');
        return;
      }
      throw err;
    }
  };
}

/**
 * Everything the function runs, built from a config object (main.ts reads it from env; tests pass
 * their own): the store (Redis when one is configured), the service, and the queue consumer when
 * AMQP_URL is set. `close` stops consuming first, then closes the store.
 */
export async function createRuntime(config: Config, logger: Logger) {
  // Counters shared by every pod when Redis is there; else this process's own.
  const redis = redisTargetFromConfig(config);
  const store: AnalyticsStore = redis
    ? RedisAnalyticsStore.connect(redis, { keyPrefix: config.REDIS_KEY_PREFIX })
    : new MemoryAnalyticsStore();
  const service = createAnalyticsService({ store });
  const subscriber = await startSubscriber(config, { handler: queueHandler(service, logger), logger, store });
  return { service, readiness: { analyticsStore: () => store.ping() }, close: subscriber.close };
}
