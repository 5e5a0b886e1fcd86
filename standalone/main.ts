/**
 * `npm start`: every function in ONE process behind one port, on embedded defaults (in-memory
 * store, in-process event bus feeding the log and analytics handlers, AI gateway in-process with
 * the scripted provider), so a newcomer sees the whole system with nothing installed. REDIS_URL,
 * AMQP_URL and AI_URL switch the same process to the real services.
 */
import { eventSource, readConfig, DialogueConfigSchema } from '@parley/shared';
import { createLogger, processMetrics, runMain, createDialogueRuntime, createEventPublisher, InProcessEventBus, MemorySeenEvents, MemoryAnalyticsStore, AiGateway } from '@parley/shared/composition';
import { createHttpApp, serve, openApiRoute } from '@parley/shared/http';
import { memoryRoutes } from '../functions/dialogue-start/memory-routes';
import { createRoutes as startRoutes } from '../functions/dialogue-start/app';
import { createRoutes as messageRoutes } from '../functions/dialogue-message/app';
import { createRoutes as endRoutes } from '../functions/dialogue-end/app';
import { createRoutes as aiRoutes } from '../functions/ai-generate/app';
import { createRoutes as analyticsRoutes } from '../functions/dialogue-analytics/app';
import { createAnalyticsService } from '../functions/dialogue-analytics/handler';
import { createLogHandler } from '../functions/dialogue-log/handler';
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
    memoryRoutes(depsOf('dialogue-start'), { access: runtime.access, gameServiceToken: runtime.gameServiceToken }),
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
  // For the person who typed npm start: one plain line to open, beside the JSON log.
  process.stdout.write(`\nParley is running: open http://localhost:${config.PORT}/ (playground; API under /v1, OpenAPI at /openapi.json)\n\n`);
});
