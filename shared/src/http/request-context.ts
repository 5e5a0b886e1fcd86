import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { TraceparentSchema } from '../domain/events';
import type { Logger } from '../ports/logger';

/** What the request frame reports into; the Prometheus adapter implements it. */
export type HttpMetrics = {
  observeHttp(method: string, route: string, status: number, seconds: number): void;
  render(): Promise<{ contentType: string; body: string }>;
};

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const DIALOGUE_PATH = /^\/v1\/dialogues\/([^/?]+)/;
/** Probes and scrapes: timed, but not logged line by line. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The first middleware of every function: a request id (`X-Request-Id`, echoed), a server span
 * continuing the caller's W3C trace, a child logger carrying request, trace and dialogue ids
 * (`res.locals.log`), and at the end one log line and one latency observation by route template.
 *
 * The routes already hand `req.header('traceparent')` on to the AI call and into the events; it is
 * rewritten here to this request's span, so what goes on names this span as parent in the same
 * trace (and a request that came without one starts a trace). The header as the caller sent it
 * stays in `res.locals.callerTraceparent` (undefined when none came): a received CloudEvent's trace
 * is the one it carried, never this request's own span.
 */
export function requestContext(options: { logger: Logger; metrics?: HttpMetrics | undefined }): RequestHandler {
  const tracer = trace.getTracer('parley');
  return (req, res, next) => {
    const started = performance.now();
    const given = req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);

    const sent = req.headers.traceparent;
    res.locals.callerTraceparent = typeof sent === 'string' ? sent : undefined;
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    const active = trace.setSpan(parent, span);
    const carrier: Record<string, string> = {};
    propagation.inject(active, carrier);
    if (carrier.traceparent) req.headers.traceparent = carrier.traceparent;
    const traceparent = req.headers.traceparent;
    const traceId =
      typeof traceparent === 'string' && TraceparentSchema.safeParse(traceparent).success
        ? traceparent.slice(3, 35)
        : undefined;
    const dialogueId = DIALOGUE_PATH.exec(req.path)?.[1];
    const log = options.logger.child({ reqId: requestId, traceId, dialogueId });
    res.locals.log = log;

    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      // The template, not the path: one series per route, whatever the ids.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const status = res.writableFinished ? res.statusCode : 499;
      const seconds = (performance.now() - started) / 1000;
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      options.metrics?.observeHttp(req.method, route, status, seconds);
      if (!QUIET_PATHS.has(req.path))
        log.info({ method: req.method, route, status, ms: Math.round(seconds * 10_000) / 10 }, 'request');
    };
    res.once('finish', finish);
    res.once('close', finish);
    context.with(active, next);
  };
}
