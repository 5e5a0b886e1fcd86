import type { Request, RequestHandler } from 'express';
import { RateLimited } from '../domain/errors';
import type { RateLimiter } from '../ports/rate-limiter';

type KeyOf = (req: Request) => string;

/** The caller's address as the socket sees it (behind a proxy, set express `trust proxy` to use X-Forwarded-For). */
export const addressOf: KeyOf = (req) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
/** The player `authenticate` resolved; run this after it. */
export const playerOf: KeyOf = (req) => String(req.res?.locals.playerId ?? 'unknown');

/** 429 `RateLimited` with Retry-After once `limiter` refuses this request's key. */
export function rateLimit(limiter: RateLimiter, keyOf: KeyOf, what: string): RequestHandler {
  return (req, _res, next) => {
    limiter.consume(keyOf(req)).then(
      (answer) => {
        if (answer.allowed) return next();
        next(
          new RateLimited(`too many requests for this ${what}; retry later`, {
            retryAfterSeconds: answer.retryAfterMs / 1000,
          }),
        );
      },
      (err: unknown) => next(err),
    );
  };
}
