/**
 * `npm start`: every function in ONE process behind one port, on embedded defaults (in-memory
 * store, in-process event bus feeding the log and analytics handlers, AI gateway in-process with
 * the scripted provider), so a newcomer sees the whole system with nothing installed. REDIS_URL,
 * AMQP_URL and AI_URL switch the same process to the real services.
 */
import { createLogger, eventSource, readConfig } from '../shared/src';
import { DialogueConfigSchema } from '../shared/src/config';
import { createHttpApp } from '../shared/src/http/create-app';
import { serve } from '../shared/src/http/serve';
import { processMetrics } from '../shared/src/adapters/prometheus/prom-metrics';
import { runMain } from '../shared/src/composition/run-main';
import { createDialogueRuntime, createEventPublisher } from '../shared/src/composition/runtime';
import { InProcessEventBus } from '../shared/src/adapters/memory/in-process-event-bus';
import { MemorySeenEvents } from '../shared/src/adapters/memory/memory-seen-events';
import { MemoryAnalyticsStore } from '../shared/src/adapters/memory/memory-analytics-store';
import { createRoutes as startRoutes } from '../functions/dialogue-start/app';
import { createRoutes as messageRoutes } from '../functions/dialogue-message/app';
import { createRoutes as endRoutes } from '../functions/dialogue-end/app';
import { createRoutes as aiRoutes } from '../functions/ai-generate/app';
import { createRoutes as analyticsRoutes } from '../functions/dialogue-analytics/app';
import { createAnalyticsService } from '../functions/dialogue-analytics/handler';
import { createLogHandler } from '../functions/dialogue-log/handler';
import { AiGateway } from '../shared/src/ai-gateway/ai-gateway';
import { openApiRoute } from '../shared/src/http/openapi-route';
import { devEventsRoute, playgroundRoute } from './dev-routes';
import { join } from 'node:path';

runMain('parley', async (logger) => {
  // npm start is local play: no authentication unless AUTH_MODE says otherwise (DESIGN §2).
  const config = readConfig(DialogueConfigSchema, { AUTH_MODE: 'none', ...process.env });
  logger.level = config.LOG_LEVEL;
  // With no broker configured, the subscribers listen on the in-process bus.
  const bus = config.AMQP_URL || config.K_SINK ? null : new InProcessEventBus();
  const publisher = bus ?? (await createEventPublisher(config, logger));
  const analytics = createAnalyticsService({ store: new MemoryAnalyticsStore() });
  if (bus) {
    const log = createLogHandler({ logger: createLogger('dialogue-log', config.LOG_LEVEL), seen: new MemorySeenEvents() });
    bus.subscribe(log);
    bus.subscribe((event) => analytics.handle(event));
  }
  const runtime = await createDialogueRuntime(config, { functionName: 'parley', logger, publisher });
  // One process, but each route's events name the function that owns it.
  const depsOf = (fn: string) => ({ ...runtime.deps, source: eventSource(fn) });
  const routes = [
    startRoutes(depsOf('dialogue-start'), { logger, access: runtime.access }),
    messageRoutes(depsOf('dialogue-message'), { logger, access: runtime.access }),
    endRoutes(depsOf('dialogue-end'), { access: runtime.access }),
    analyticsRoutes(analytics),
  ];
  // The AI gateway's own route, when it runs in this process.
  if (runtime.deps.ai instanceof AiGateway) routes.push(aiRoutes(runtime.deps.ai));
  // Dev-only, npm start alone: this process's OpenAPI, the emitted events (in-process bus) and the playground at /.
  routes.unshift(openApiRoute('standalone'));
  if (bus) routes.push(devEventsRoute(bus, runtime.access.auth));
  routes.push(playgroundRoute(join(__dirname, '..', 'playground')));
  const app = createHttpApp({ logger, metrics: processMetrics(), readiness: runtime.readiness, routes });
  await serve(app, { port: config.PORT, logger, onShutdown: runtime.close });
});
