import type { Logger } from '@parley/shared';
import {
  InProcessEventBus,
  MemoryAnalyticsStore,
  MemorySeenEvents,
  createDialogueRuntime,
  createEventPublisher,
  createLogger,
} from '@parley/shared/composition';
import { createAnalyticsService } from '../functions/dialogue-analytics/handler';
import { createLogHandler } from '../functions/dialogue-log/handler';
import type { Config } from './config';

export const FUNCTION_NAME = 'parley';

/**
 * Everything `npm start` runs in one process: the dialogue runtime (store, outbox relay, AI client,
 * player access), and the log and analytics handlers. With no broker configured, events travel on an
 * in-process bus (`bus`) that feeds both handlers; with AMQP_URL or K_SINK they go out, and `bus` is null.
 */
export async function createRuntime(config: Config, logger: Logger) {
  const bus = config.AMQP_URL || config.K_SINK ? null : new InProcessEventBus();
  const publisher = bus ?? (await createEventPublisher(config, logger));
  const analytics = createAnalyticsService({ store: new MemoryAnalyticsStore() });
  if (bus) {
    const log = createLogHandler({
      logger: createLogger('dialogue-log', config.LOG_LEVEL),
      seen: new MemorySeenEvents(),
    });
    bus.subscribe(log);
    bus.subscribe((event) => analytics.handle(event));
  }
  const dialogue = await createDialogueRuntime(config, { functionName: FUNCTION_NAME, logger, publisher });
  return { ...dialogue, analytics, bus };
}
export type StandaloneRuntime = Awaited<ReturnType<typeof createRuntime>>;
