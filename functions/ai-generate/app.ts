import {
  API_ROUTES,
  openApiRoute,
  serviceGuard,
  requestTrace,
  abortOnClientGone,
  createHttpApp,
  DeltaFramer,
  openSse,
  toParleyError,
  wantsEventStream,
  type ReadinessChecks,
  type HttpMetrics,
} from '@parley/shared/http';
import { Router, type Request, type Response } from 'express';
import {
  DIALOGUE_TURN_TASK,
  DialogueTurnInputSchema,
  ParleyError,
  TaskRequestSchema,
  errorBody,
  parseInput,
  type AiCallOptions,
  type AiClient,
  type AiTaskName,
  type Logger,
  type StreamingTaskName,
} from '@parley/shared';
import { taskSpec } from '@parley/shared/composition';

/**
 * `POST /v1/tasks/:task` with `{ input, stream? }`: JSON `{ output, meta }`, or SSE `delta`... `done` / `error`.
 * `dialogue.turn` always streams: `appraisal`, `delta`..., `reply`, `options`, `summary`, `done` (or `error`).
 */
export function createRoutes(
  gateway: AiClient,
  options: { serviceToken?: string | undefined; logger?: Logger; frame?: DeltaFrameSettings } = {},
): Router {
  const frame = options.frame ?? DEFAULT_FRAME;
  const router = Router();
  // Only callers holding the service token may spend model tokens (when one is configured).
  router.post(API_ROUTES.runTask.path, ...serviceGuard(options.serviceToken), async (req, res, next) => {
    try {
      if (req.params.task === DIALOGUE_TURN_TASK) {
        await streamTurn(gateway, req, res, options.logger, frame);
        return;
      }
      const spec = taskSpec(req.params.task as string);
      const task = req.params.task as AiTaskName;
      const body = parseInput(TaskRequestSchema, req.body ?? {});
      // Checked here too so that a bad input is a plain 400, before any stream is opened.
      const input = parseInput(spec.input, body.input, 'input');
      const client = abortOnClientGone(res);
      const callOptions: AiCallOptions = { signal: client.signal, ...requestTrace(req) };
      if (!(body.stream === true || wantsEventStream(req.header('accept')))) {
        res.json(await gateway.run(task, input as never, callOptions));
        return;
      }
      const sse = openSse(res);
      // Deltas share frames (the first goes alone); every one is flushed before the event that follows.
      const framer = new DeltaFramer({ ...frame, send: (text) => sse.send('delta', { text }) });
      try {
        if (spec.streams) {
          for await (const event of gateway.stream(task as StreamingTaskName, input as never, callOptions)) {
            if (event.type === 'delta') framer.push(event.text);
            else {
              framer.flush();
              sse.send('done', { output: event.output, meta: event.meta });
            }
          }
        } else {
          // A structured task has nothing to stream: one `done`, so SSE clients need no second code path.
          sse.send('done', await gateway.run(task, input as never, callOptions));
        }
      } catch (err) {
        const known = toParleyError(err);
        if (!known) options.logger?.error({ err, task }, 'AI task failed');
        if (known?.code !== 'Aborted') {
          // What the filter released before the failure was the reply's: it goes out before the error.
          framer.flush();
          sse.send('error', errorBody(known ?? new ParleyError('internal error')));
        }
      } finally {
        framer.close();
        sse.end();
      }
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** How streamed deltas are framed: the window after a frame in which deltas wait, and a frame's largest size. */
export type DeltaFrameSettings = { windowMs: number; maxChars: number };
/** A few milliseconds: a local model's tokens share frames; a remote model's, slower, mostly go alone. */
const DEFAULT_FRAME: DeltaFrameSettings = { windowMs: 4, maxChars: 4096 };

/** One `dialogue.turn` as SSE, one event per step result; a failure after the stream opened is an `error` event. */
async function streamTurn(
  gateway: AiClient,
  req: Request,
  res: Response,
  logger: Logger | undefined,
  frame: DeltaFrameSettings,
): Promise<void> {
  const body = parseInput(TaskRequestSchema, req.body ?? {});
  const input = parseInput(DialogueTurnInputSchema, body.input, 'input');
  const client = abortOnClientGone(res);
  const sse = openSse(res);
  // The reply's deltas are framed as a task's are; every other step's event flushes them first.
  const framer = new DeltaFramer({ ...frame, send: (text) => sse.send('delta', { text }) });
  try {
    for await (const event of gateway.turn(input, { signal: client.signal, ...requestTrace(req) })) {
      if (event.type === 'delta') framer.push(event.text);
      else {
        framer.flush();
        const { type, ...data } = event;
        sse.send(type, data);
      }
    }
  } catch (err) {
    const known = toParleyError(err);
    if (!known) logger?.error({ err, task: DIALOGUE_TURN_TASK }, 'AI task failed');
    if (known?.code !== 'Aborted') {
      framer.flush();
      sse.send('error', errorBody(known ?? new ParleyError('internal error')));
    }
  } finally {
    framer.close();
    sse.end();
  }
}

/** The ai-generate function: the task route (behind the service token when given one), health; never listens. */
export function createApp(deps: {
  gateway: AiClient;
  logger: Logger;
  readiness?: ReadinessChecks;
  serviceToken?: string | undefined;
  metrics?: HttpMetrics;
  /** Milliseconds deltas may wait to share a frame (SSE_FRAME_MS; default 4, 0 = a frame per delta). */
  frameMs?: number;
}) {
  return createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness ?? { ai: () => deps.gateway.ping() },
    routes: [
      createRoutes(deps.gateway, {
        logger: deps.logger,
        serviceToken: deps.serviceToken,
        ...(deps.frameMs === undefined ? {} : { frame: { ...DEFAULT_FRAME, windowMs: deps.frameMs } }),
      }),
      openApiRoute('ai-generate'),
    ],
  });
}
