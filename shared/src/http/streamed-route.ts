import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Aborted, ParleyError, errorBody } from '../domain/errors';
import { toParleyError } from './error-middleware';
import { abortOnClientGone, openSse, wantsEventStream, type SseWriter } from './sse';
import type { Logger } from '../ports/logger';

/** A use case's live hooks: the accepted command and each text delta as they happen. */
export type LiveHooks = { onAccepted?: (accepted: unknown) => void; onDelta?: (text: string) => void };

/** How a streamed route answers: the status and body in JSON mode, or the SSE events after the live part. */
export type StreamedRoute<T> = {
  logger: Logger;
  /** The success status of both modes: the JSON answer's, and the stream's once it opens. */
  status: number;
  /** Reads the request and runs the use case; what it throws before its first hook is an HTTP error. */
  run: (req: Request, hooks: LiveHooks, signal: AbortSignal) => Promise<T>;
  json: (result: T) => unknown;
  /** The events after the live part, ending with `done`. */
  finalEvents: (result: T) => Array<[event: string, data: unknown]>;
  /**
   * Work that follows a successful answer, still within the request (e.g. publishing the outbox):
   * started once the JSON body or the stream's last event is written, awaited, errors logged.
   */
  after?: (result: T) => Promise<void>;
};

/**
 * A route that runs a use case and answers either one JSON body or, with `Accept: text/event-stream`,
 * a stream of Server-Sent Events: its hooks are narrated live as `accepted` and `delta` events, then
 * `finalEvents`. The stream opens at the use case's first event, so failures of validation still get
 * their HTTP status; later failures end the stream with an `error` event. When the client goes away
 * the signal aborts the use case (and with it the AI call).
 */
export function streamedRoute<T>(route: StreamedRoute<T>): RequestHandler {
  return (req, res, next) => runStreamedRoute(req, res, next, route);
}

async function runStreamedRoute<T>(
  req: Request,
  res: Response,
  next: NextFunction,
  route: StreamedRoute<T>,
): Promise<void> {
  const controller = abortOnClientGone(res);
  const streaming = wantsEventStream(req.header('accept'));
  let sse: SseWriter | null = null;
  let answered = false;
  const send = (event: string, data: unknown) => {
    sse ??= openSse(res, route.status);
    sse.send(event, data);
  };
  const hooks: LiveHooks = streaming
    ? { onAccepted: (accepted) => send('accepted', accepted), onDelta: (text) => send('delta', { text }) }
    : {};
  try {
    const result = await route.run(req, hooks, controller.signal);
    if (!streaming) res.status(route.status).json(route.json(result));
    else {
      sse ??= openSse(res, route.status);
      for (const [event, data] of route.finalEvents(result)) sse.send(event, data);
      sse.end();
    }
    answered = true;
    await route.after?.(result);
  } catch (err) {
    if (answered) {
      route.logger.error({ err }, 'the work after the answer failed');
      return;
    }
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
