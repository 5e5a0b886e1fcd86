import express, { type Express, type Router } from 'express';
import { errorMiddleware, notFoundRoute } from './error-middleware';
import type { Logger } from '../ports/logger';
import { requestContext, type HttpMetrics } from './request-context';
import { API_ROUTES } from '../api/api-routes';
import { UnsupportedMediaType } from '../domain/errors';

/**
 * Each check resolves when its dependency answers. A check may resolve to a string starting with
 * `degraded` for a dependency the function can serve without (the broker, behind the outbox): it is
 * reported but keeps the pod ready.
 */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export const DEFAULT_BODY_LIMIT = '64kb';

/**
 * The frame every function shares: JSON bodies (also CloudEvents' structured mode) up to a limit,
 * `/healthz` (alive), `/readyz` (each of the function's own dependencies answers), the routes the
 * function registers, then one 404 and one error middleware. First of all, the request frame
 * (request id, trace span, request log line, latency by route) and, when the caller passes
 * `metrics` (the composition root: this process's Prometheus registry), `GET /metrics`.
 */
export function createHttpApp(options: {
  logger: Logger;
  readiness: ReadinessChecks;
  routes: Router | Router[];
  bodyLimit?: string;
  metrics?: HttpMetrics | undefined;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const { metrics } = options;
  app.use(requestContext({ logger: options.logger, metrics }));
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      const { contentType, body } = await metrics.render();
      res.type(contentType).send(body);
    });
  }
  // A CloudEvent receipt (POST /) reads its own raw body by the CloudEvents HTTP binding: a missing
  // content type means JSON, charsets and invalid UTF-8 are checked; express.json then skips it.
  const rawBody = express.raw({ type: () => true, limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT });
  app.use((req, res, next) =>
    req.method === 'POST' && req.path === API_ROUTES.receiveEvent.path ? rawBody(req, res, next) : next(),
  );
  // Every other body must be JSON: one sent as text or a form would reach validation as nothing and be
  // refused for missing fields; 415 names the header instead. A request without a body is fine.
  app.use((req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.path === API_ROUTES.receiveEvent.path) return next();
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.is(['application/json', 'application/*+json'])) return next();
    const sent = req.headers['content-type'] ? `content-type: ${req.headers['content-type']}` : 'no content-type';
    next(
      new UnsupportedMediaType(
        `the body must be JSON sent with the header content-type: application/json (this request has ${sent})`,
      ),
    );
  });
  app.use(
    express.json({
      limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
      strict: true,
      type: ['application/json', 'application/cloudevents+json', 'application/*+json'],
    }),
  );
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await checkAll(options.readiness);
    const ready = Object.values(checks).every((c) => c === 'ok' || c.startsWith('degraded'));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  for (const router of [options.routes].flat()) app.use(router);
  app.use(notFoundRoute);
  app.use(errorMiddleware(options.logger));
  return app;
}

async function checkAll(readiness: ReadinessChecks): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(readiness).map(async ([name, check]) => {
      try {
        const answer = await withTimeout(check(), 2000);
        return [name, typeof answer === 'string' && answer.startsWith('degraded') ? answer : 'ok'] as const;
      } catch (err) {
        return [name, `failed: ${(err as Error).message}`] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
