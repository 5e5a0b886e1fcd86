import { MemorySeenEvents, RedisSeenEvents, startSubscriber } from '@parley/shared/composition';
import { redisTargetFromConfig, type Logger, type SeenEvents } from '@parley/shared';
import type { Config } from './config';
import { createLogHandler } from './handler';

export const FUNCTION_NAME = 'dialogue-log';

/**
 * Everything the function runs, built from a config object (main.ts reads it from env; tests pass
 * their own): the seen-id memory (Redis when one is configured), the handler, and the queue consumer
 * when AMQP_URL is set. `close` stops consuming first.
 */
export async function createRuntime(config: Config, logger: Logger) {
  // Shared memory of seen ids across pods when Redis is there; else this pod's own.
  const redis = redisTargetFromConfig(config);
  const seen: SeenEvents = redis
    ? RedisSeenEvents.connect(redis, { keyPrefix: `${config.REDIS_KEY_PREFIX}${FUNCTION_NAME}:` })
    : new MemorySeenEvents();
  const handler = createLogHandler({ logger, seen });
  const subscriber = await startSubscriber(config, { handler, logger, store: seen });
  return { handler, readiness: { seenEvents: () => seen.ping() }, close: subscriber.close };
}
