import { eventSource, type Logger } from '@parley/shared';
import { createHttpApp, openApiRoute, type HttpMetrics } from '@parley/shared/http';
import { AiGateway } from '@parley/shared/composition';
import { createRoutes as startRoutes } from '../functions/dialogue-start/app';
import { memoryRoutes } from '../functions/dialogue-start/memory-routes';
import { createRoutes as messageRoutes } from '../functions/dialogue-message/app';
import { createRoutes as endRoutes } from '../functions/dialogue-end/app';
import { createRoutes as aiRoutes } from '../functions/ai-generate/app';
import { createRoutes as analyticsRoutes } from '../functions/dialogue-analytics/app';
import { devEventsRoute, playgroundRoute } from './dev-routes';
import type { StandaloneRuntime } from './runtime';

/**
 * Every function's routes behind one port, for `npm start`; never listens. Dev-only additions: this
 * process's OpenAPI, the events the in-process bus carried (when there is one) and the playground at `/`.
 */
export function createApp(
  runtime: StandaloneRuntime,
  options: { logger: Logger; playgroundDir: string; metrics: HttpMetrics },
) {
  const { logger } = options;
  const { access } = runtime;
  // One process, but each route's events name the function that owns it.
  const depsOf = (fn: string) => ({ ...runtime.deps, source: eventSource(fn) });
  const routes = [
    openApiRoute('standalone'),
    startRoutes(depsOf('dialogue-start'), { logger, access }),
    memoryRoutes(depsOf('dialogue-start'), { access, gameServiceToken: runtime.gameServiceToken }),
    messageRoutes(depsOf('dialogue-message'), { logger, access }),
    endRoutes(depsOf('dialogue-end'), { access }),
    analyticsRoutes(runtime.analytics),
  ];
  // The AI gateway's own route, when it runs in this process.
  if (runtime.deps.ai instanceof AiGateway) routes.push(aiRoutes(runtime.deps.ai));
  if (runtime.bus) routes.push(devEventsRoute(runtime.bus, access.auth));
  routes.push(playgroundRoute(options.playgroundDir));
  return createHttpApp({ logger, metrics: options.metrics, readiness: runtime.readiness, routes });
}
