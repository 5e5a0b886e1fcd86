import type { HttpMetrics } from '../../shared/src/http/request-context';
import { Router } from 'express';
import { API_ROUTES } from '../../shared/src/api/api-routes';
import { openApiRoute } from '../../shared/src/http/openapi-route';
import { createHttpApp, type Logger, type ReadinessChecks } from '../../shared/src';
import { cloudEventRoute } from '../../shared/src';
import { serviceGuard } from '../../shared/src/http/auth';
import type { AnalyticsService } from './handler';

/** With `serviceToken`, the report is for internal callers only (an operator's view, not a player's). */
export function createRoutes(service: AnalyticsService, options: { serviceToken?: string } = {}): Router {
  const router = Router();
  router.get(API_ROUTES.analytics.path, ...serviceGuard(options.serviceToken), async (_req, res) => {
    res.json(await service.report());
  });
  return router;
}

/** The dialogue-analytics function: the report route, the CloudEvent receiver, health; never listens. */
export function createApp(deps: { service: AnalyticsService; logger: Logger; readiness: ReadinessChecks; serviceToken?: string; metrics?: HttpMetrics }) {
  const guard = deps.serviceToken ? { serviceToken: deps.serviceToken } : {};
  return createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    routes: [createRoutes(deps.service, guard), cloudEventRoute(deps.service.handle, guard), openApiRoute('dialogue-analytics')],
  });
}
