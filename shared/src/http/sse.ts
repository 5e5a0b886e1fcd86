import type { Response } from 'express';

/**
 * A Server-Sent Events writer, answering `status` (the route's success status: 201 for a stream that
 * creates, as its JSON answer would). Headers defeat proxy buffering (knative/serving#3188) and each event
 * is written as soon as it is sent: express does not buffer, and compression is never applied here.
 */
export function openSse(res: Response, status = 200) {
  res.status(status);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  return {
    send(event: string, data: unknown) {
      if (res.writableEnded || res.destroyed) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (!res.writableEnded) res.end();
    },
  };
}
export type SseWriter = ReturnType<typeof openSse>;

export function wantsEventStream(accept: string | undefined): boolean {
  return typeof accept === 'string' && accept.includes('text/event-stream');
}

/** An AbortSignal that fires when the client goes away before the answer is complete. */
export function abortOnClientGone(res: Response): AbortController {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller;
}
