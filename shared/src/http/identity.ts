import type { Request } from 'express';
import type { z } from 'zod';
import { Unauthorized } from '../domain/errors';
import { TraceparentSchema } from '../domain/events';
import { parseInput } from '../domain/parse-input';

/**
 * The player that `authenticate` (http/auth.ts) resolved for this request. A route mounted without
 * it answers 401: forgetting the guard closes the route rather than opening it.
 */
export function playerIdOf(req: Request): string {
  const playerId: unknown = req.res?.locals.playerId;
  if (typeof playerId !== 'string') throw new Unauthorized('no authenticated player');
  return playerId;
}

/**
 * This request's W3C `traceparent` (requestContext points it at the request's span) as
 * `{ traceparent }`, or `{}` when there is none or it is malformed: what a route hands on to the AI
 * call and into the events.
 */
export function requestTrace(req: Request): { traceparent?: string } {
  const traceparent = req.header('traceparent');
  return traceparent !== undefined && TraceparentSchema.safeParse(traceparent).success ? { traceparent } : {};
}

/**
 * What a player route hands its use case: the authenticated player (`playerIdOf`), the body
 * validated by `schema` (an absent body counts as `{}`; 400 `BadRequest` when invalid) and
 * `requestTrace`.
 */
export function playerCommand<S extends z.ZodType<object>>(
  req: Request,
  schema: S,
): z.infer<S> & { playerId: string; traceparent?: string } {
  return { playerId: playerIdOf(req), ...parseInput(schema, req.body ?? {}), ...requestTrace(req) };
}
