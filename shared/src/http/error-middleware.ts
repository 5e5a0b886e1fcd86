import type { ErrorRequestHandler, RequestHandler } from 'express';
import { BadRequest, NotFound, ParleyError, PayloadTooLarge, UnsupportedMediaType, errorBody } from '../domain/errors';
import type { Logger } from '../ports/logger';

/** body-parser reports its failures with a `type`; map them to our typed errors. */
function fromBodyParser(err: {
  type?: string;
  message?: string;
  status?: unknown;
  expose?: unknown;
}): ParleyError | null {
  switch (err.type) {
    case 'entity.too.large':
      return new PayloadTooLarge('request body is too large');
    case 'entity.parse.failed':
      return new BadRequest('request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaType(err.message ?? 'unsupported encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new BadRequest(err.message ?? 'malformed request');
    default:
      // Other body-parser failures (a corrupt gzip or brotli body...) are http-errors with a 4xx status.
      if (typeof err.status === 'number' && err.status >= 400 && err.status < 500 && err.expose === true)
        return new BadRequest('malformed request body');
      // The router could not percent-decode a path parameter (`/v1/dialogues/%E0%A4%A`).
      if (err instanceof URIError) return new BadRequest('malformed request path');
      return null;
  }
}

export function toParleyError(err: unknown): ParleyError | null {
  if (err instanceof ParleyError) return err;
  if (err && typeof err === 'object') return fromBodyParser(err as { type?: string });
  return null;
}

/** The one place where errors become HTTP answers. Unknown errors are logged and answered 500. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = toParleyError(err);
    const error = known ?? new ParleyError('internal error');
    if (!known) logger.error({ err, path: req.path }, 'unhandled error');
    if (res.headersSent) {
      res.end();
      return;
    }
    // Our own hint (a rate limit, a turn in flight, a model server's Retry-After passed on), else 1 s for a retryable outage.
    if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    else if (error.retryable && error.status >= 500) res.setHeader('Retry-After', '1');
    res.status(error.status).json(errorBody(error));
  };
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new NotFound(`no route ${req.method} ${req.path}`));
};
