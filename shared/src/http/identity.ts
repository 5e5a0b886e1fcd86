import type { Request } from 'express';
import { Unauthorized } from '../domain/errors';

/**
 * The player that `authenticate` (http/auth.ts) resolved for this request. A route mounted without
 * it answers 401: forgetting the guard closes the route rather than opening it.
 */
export function playerIdOf(req: Request): string {
  const playerId: unknown = req.res?.locals.playerId;
  if (typeof playerId !== 'string') throw new Unauthorized('no authenticated player');
  return playerId;
}
