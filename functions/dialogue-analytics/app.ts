import { Router } from 'express';
import { createHttpApp, type Logger, type ReadinessChecks } from '../../shared/src';
import { cloudEventRoute } from '../../shared/src';
import type { AnalyticsService } from './handler';

export function createRoutes(service: AnalyticsService): Router {
  const router = Router();
  router.get('/v1/analytics', async (_req, res) => {
    res.json(await service.report());
  });
  return router;
}

/** The dialogue-analytics function: the report route, the CloudEvent receiver, health; never listens. */
export function createApp(deps: { service: AnalyticsService; logger: Logger; readiness: ReadinessChecks }) {
  return createHttpApp({ logger: deps.logger, readiness: deps.readiness, routes: [createRoutes(deps.service), cloudEventRoute(deps.service.handle)] });
}
