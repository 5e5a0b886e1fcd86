import {
  type HttpMetrics,
  API_ROUTES,
  openApiRoute,
  createHttpApp,
  type ReadinessChecks,
  cloudEventRoute,
  serviceGuard,
} from '@parley/shared/http';
import { Router } from 'express';
import type { Logger } from '@parley/shared';
import type { AnalyticsService } from './handler';

/** With `serviceToken`, the report is for internal callers only (an operator's view, not a player's). */
export function createRoutes(service: AnalyticsService, options: { serviceToken?: string | undefined } = {}): Router {
  const router = Router();
  router.get(API_ROUTES.analytics.path, ...serviceGuard(options.serviceToken), async (_req, res) => {
    res.json(await service.report());
  });
  return router;
}

/** The dialogue-analytics function: the report route, the CloudEvent receiver, health; never listens. */
export function createApp(deps: {
  service: AnalyticsService;
  logger: Logger;
  readiness: ReadinessChecks;
  serviceToken?: string | undefined;
  metrics?: HttpMetrics;
}) {
  const guard = { serviceToken: deps.serviceToken };
  return createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    routes: [
      createRoutes(deps.service, guard),
      cloudEventRoute(deps.service.handle, guard),
      openApiRoute('dialogue-analytics'),
    ],
  });
}
