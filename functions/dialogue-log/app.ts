import type { HttpMetrics } from '../../shared/src/http/request-context';
import { createHttpApp, type EventHandler, type Logger, type ReadinessChecks } from '../../shared/src';
import { openApiRoute } from '../../shared/src/http/openapi-route';
import { cloudEventRoute } from '../../shared/src';

/** The dialogue-log function: the CloudEvent receiver and the health routes; never listens. */
export function createApp(deps: { handler: EventHandler; logger: Logger; readiness: ReadinessChecks; serviceToken?: string; metrics?: HttpMetrics }) {
  const guard = deps.serviceToken ? { serviceToken: deps.serviceToken } : {};
  return createHttpApp({ logger: deps.logger, metrics: deps.metrics, readiness: deps.readiness, routes: [cloudEventRoute(deps.handler, guard), openApiRoute('dialogue-log')] });
}
