import { Router } from 'express';
import { API_ROUTES } from '../../shared/src/api/api-routes';
import { openApiRoute } from '../../shared/src/http/openapi-route';
import { createHttpApp, type Logger, type ReadinessChecks } from '../../shared/src';
import { cloudEventRoute } from '../../shared/src';
import type { AnalyticsService } from './handler';

export function createRoutes(service: AnalyticsService): Router {
  const router = Router();
  router.get(API_ROUTES.analytics.path, async (_req, res) => {
    res.json(await service.report());
  });
  return router;
}

/** The dialogue-analytics function: the report route, the CloudEvent receiver, health; never listens. */
export function createApp(deps: { service: AnalyticsService; logger: Logger; readiness: ReadinessChecks }) {
  return createHttpApp({ logger: deps.logger, readiness: deps.readiness, routes: [createRoutes(deps.service), cloudEventRoute(deps.service.handle), openApiRoute('dialogue-analytics')] });
}
