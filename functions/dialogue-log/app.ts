import {
  type HttpMetrics,
  createHttpApp,
  type ReadinessChecks,
  openApiRoute,
  cloudEventRoute,
} from '@parley/shared/http';
import type { EventHandler, Logger } from '@parley/shared';

/** The dialogue-log function: the CloudEvent receiver and the health routes; never listens. */
export function createApp(deps: {
  handler: EventHandler;
  logger: Logger;
  readiness: ReadinessChecks;
  serviceToken?: string | undefined;
  metrics?: HttpMetrics;
}) {
  const routes = [cloudEventRoute(deps.handler, { serviceToken: deps.serviceToken }), openApiRoute('dialogue-log')];
  return createHttpApp({ logger: deps.logger, metrics: deps.metrics, readiness: deps.readiness, routes });
}
