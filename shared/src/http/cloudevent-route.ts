import { Router } from 'express';
import { API_ROUTES } from '../api/api-routes';
import type { EventHandler } from '../ports/event-publisher';
import { serviceGuard } from './auth';
import { parseCloudEventRequest, type IncomingHeaders } from '../adapters/cloudevents-http/cloudevent-http-binding';

/**
 * `POST /` for a subscriber function: the CloudEvent (binary or structured mode) goes to `handler`,
 * and the answer is 204 with no body, because a Knative Trigger subscriber that answers with an
 * event has it published back into the broker. An invalid event is a 400 (not retried
 * by the broker); a handler failure keeps its status (503 for a store that is down: retried).
 * With `serviceToken`, only callers presenting it as a bearer token are heard (401 otherwise).
 * The event is read with the `traceparent` header as the sender sent it (see requestContext), so an
 * event that carried no trace is handled and logged with none.
 */
export function cloudEventRoute(handler: EventHandler, options: { serviceToken?: string | undefined } = {}): Router {
  const router = Router();
  router.post(API_ROUTES.receiveEvent.path, ...serviceGuard(options.serviceToken), async (req, res) => {
    const event = parseCloudEventRequest(callerHeaders(req.headers, res.locals), req.body);
    await handler(event);
    res.status(204).end();
  });
  return router;
}

/** The request's headers with `traceparent` as the caller sent it, when requestContext rewrote it. */
function callerHeaders(headers: IncomingHeaders, locals: Record<string, unknown>): IncomingHeaders {
  if (!('callerTraceparent' in locals)) return headers;
  const { traceparent: _thisRequestsSpan, ...rest } = headers;
  const sent = locals.callerTraceparent;
  return typeof sent === 'string' ? { ...rest, traceparent: sent } : rest;
}
