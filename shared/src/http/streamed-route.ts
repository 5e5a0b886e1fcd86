import type { NextFunction, Request, Response } from 'express';
import { Aborted, ParleyError, errorBody } from '../domain/errors';
import { toParleyError } from './error-middleware';
import { abortOnClientGone, openSse, wantsEventStream, type SseWriter } from './sse';
import type { Logger } from '../ports/logger';

/** A use case that can narrate itself: `send` is null when the client asked for plain JSON. */
export type Narrator = { send(event: string, data: unknown): void } | null;

/** A use case's live hooks, narrated as `accepted` and `delta` events (none in JSON mode). */
export function narrationHooks<Accepted>(narrator: Narrator): { onAccepted?: (accepted: Accepted) => void; onDelta?: (text: string) => void } {
  if (!narrator) return {};
  return { onAccepted: (accepted) => narrator.send('accepted', accepted), onDelta: (text) => narrator.send('delta', { text }) };
}

/**
 * Runs a use case for a route that answers either one JSON body or, with `Accept: text/event-stream`,
 * a stream of Server-Sent Events. The stream opens at the use case's first event, so failures of
 * validation still get their HTTP status; later failures end the stream with an `error` event.
 * When the client goes away the signal aborts the use case (and with it the AI call).
 */
export async function runStreamedRoute<T>(
  req: Request,
  res: Response,
  next: NextFunction,
  route: {
    logger: Logger;
    status: number;
    run: (narrator: Narrator, signal: AbortSignal) => Promise<T>;
    json: (result: T) => unknown;
    /** The events after the live part, ending with `done`. */
    finalEvents: (result: T) => Array<[event: string, data: unknown]>;
  },
): Promise<void> {
  const controller = abortOnClientGone(res);
  const streaming = wantsEventStream(req.header('accept'));
  let sse: SseWriter | null = null;
  const narrator: Narrator = streaming
    ? {
        send(event, data) {
          sse ??= openSse(res);
          sse.send(event, data);
        },
      }
    : null;
  try {
    const result = await route.run(narrator, controller.signal);
    if (!streaming) {
      res.status(route.status).json(route.json(result));
      return;
    }
    sse ??= openSse(res);
    for (const [event, data] of route.finalEvents(result)) sse.send(event, data);
    sse.end();
  } catch (err) {
    if (controller.signal.aborted || err instanceof Aborted) {
      res.destroy();
      return;
    }
    if (!sse) {
      next(err);
      return;
    }
    const known = toParleyError(err);
    if (!known) route.logger.error({ err }, 'stream failed');
    const writer: SseWriter = sse;
    writer.send('error', errorBody(known ?? new ParleyError('internal error')));
    writer.end();
  }
}
