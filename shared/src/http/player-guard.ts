import type { RequestHandler } from 'express';
import type { RateLimiter } from '../ports/rate-limiter';
import { authenticate, type Authenticator } from './auth';
import { addressOf, playerOf, rateLimit } from './rate-limit';

/** How the player-facing routes admit a request. */
export type PlayerAccess = {
  auth: Authenticator;
  /** Counted before authentication, so token guessing is limited too. */
  perAddress?: RateLimiter | undefined;
  perPlayer?: RateLimiter | undefined;
};

/** The middleware chain in front of every player route: address limit, authentication, player limit. */
export function playerGuard(access: PlayerAccess): RequestHandler[] {
  return [
    ...(access.perAddress ? [rateLimit(access.perAddress, addressOf, 'address')] : []),
    authenticate(access.auth),
    ...(access.perPlayer ? [rateLimit(access.perPlayer, playerOf, 'player')] : []),
  ];
}
