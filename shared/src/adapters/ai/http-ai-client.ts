import type * as Undici from 'undici';
import type { AiCallMeta, AiTaskInput, AiTaskName, AiTaskOutput, StreamingTaskName } from '../../domain/ai-tasks';
import {
  Aborted,
  AiFailed,
  AiTimeout,
  AiUnavailable,
  BadRequest,
  Forbidden,
  NotFound,
  ParleyError,
  PayloadTooLarge,
  Unauthorized,
  UnknownTask,
} from '../../domain/errors';
import type { AiCallOptions, AiClient, AiStreamEvent } from '../../ports/ai-client';
import { readSseFrames } from '../../http/sse-reader';
import {
  DIALOGUE_TURN_TASK,
  DialogueTurnEventSchema,
  type DialogueTurnEvent,
  type DialogueTurnInput,
} from '../../domain/dialogue-turn';

type ErrorClass = new (message: string, options?: { cause?: unknown; details?: unknown }) => ParleyError;

/** The gateway's error codes back to our typed errors; anything else by its status. */
const ERRORS_BY_CODE: Record<string, ErrorClass> = {
  AiFailed,
  AiUnavailable,
  AiTimeout,
  Aborted,
  BadRequest,
  UnknownTask,
  NotFound,
  PayloadTooLarge,
  Unauthorized,
  Forbidden,
};

function errorFrom(status: number, body: unknown): ParleyError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const message = typeof error?.message === 'string' ? error.message : `AI gateway answered ${status}`;
  const options = error?.details === undefined ? {} : { details: error.details };
  const Known = typeof error?.code === 'string' ? ERRORS_BY_CODE[error.code] : undefined;
  if (Known) return new Known(message, options);
  if (status === 503 || status === 429) return new AiUnavailable(message, options);
  if (status === 504) return new AiTimeout(message, options);
  return new AiFailed(message, {
    ...options,
    details: { status, ...(options.details ? { upstream: options.details } : {}) },
  });
}

/** Connections to ai-generate a dialogue function keeps at most (`AI_MAX_CONNECTIONS`). */
export const DEFAULT_AI_CONNECTIONS = 16;

/**
 * The AiClient that calls the ai-generate function over HTTP (`AI_URL`). Streams are read as they
 * arrive; the gateway's error answers come back as the same typed errors the in-process gateway throws.
 */
export class HttpAiClient implements AiClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly serviceToken: string | undefined;
  private readonly maxConnections: number;
  /** This client's connection pool to `baseUrl`: keep-alive, at most `maxConnections` sockets (made on first call). */
  private agent: Undici.Agent | undefined;

  constructor(options: {
    baseUrl: string;
    fetch?: typeof fetch;
    timeoutMs?: number;
    serviceToken?: string | undefined;
    /** Sockets kept open to ai-generate at most (requests beyond wait for one); default `DEFAULT_AI_CONNECTIONS`. */
    maxConnections?: number;
  }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.serviceToken = options.serviceToken;
    this.maxConnections = options.maxConnections ?? DEFAULT_AI_CONNECTIONS;
  }

  /** Closes the pooled connections (shutdown, tests); calls in flight finish first. */
  async close(): Promise<void> {
    await this.agent?.close();
  }

  /**
   * Idle sockets stay open for the next call (the server's Keep-Alive hint bounds how long) and do
   * not keep the process alive; a turn then skips the TCP handshake. undici is loaded on the first
   * call, not at start-up: a process answers /readyz without it.
   */
  private get pool(): Undici.Agent {
    if (!this.agent) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Agent } = require('undici') as typeof Undici;
      this.agent = new Agent({ connections: this.maxConnections });
    }
    return this.agent;
  }

  async run<T extends AiTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options: AiCallOptions = {},
  ): Promise<{ output: AiTaskOutput<T>; meta: AiCallMeta }> {
    const call = this.open(options);
    try {
      const res = await this.post(task, input, false, options, call.signal);
      const body = await res.json().catch(() => null);
      if (!res.ok) throw errorFrom(res.status, body);
      if (!body || typeof body !== 'object' || !('output' in body) || !('meta' in body))
        throw new AiFailed('the AI gateway answered without output');
      return body as { output: AiTaskOutput<T>; meta: AiCallMeta };
    } catch (err) {
      throw call.translate(err);
    } finally {
      call.dispose();
    }
  }

  async *stream<T extends StreamingTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options: AiCallOptions = {},
  ): AsyncGenerator<AiStreamEvent<T>> {
    const call = this.open(options);
    try {
      const res = await this.post(task, input, true, options, call.signal);
      if (!res.ok) throw errorFrom(res.status, await res.json().catch(() => null));
      if (!res.body) throw new AiFailed('the AI gateway answered with no body');
      // The deadline is for the first byte; a stream may then take as long as it keeps talking.
      call.clearDeadline();
      let answered = false;
      // Read to the body's end, `done` included: a response left half-read costs its keep-alive connection.
      for await (const frame of readSseFrames(res.body)) {
        if (answered) continue;
        const data: unknown = JSON.parse(frame.data);
        if (frame.event === 'delta') yield { type: 'delta', text: (data as { text: string }).text };
        else if (frame.event === 'done') {
          const done = data as { output: AiTaskOutput<T>; meta: AiCallMeta };
          answered = true;
          yield { type: 'done', output: done.output, meta: done.meta };
        } else if (frame.event === 'error') throw errorFrom(502, data);
      }
      if (!answered) throw new AiFailed('the AI gateway stream ended before its answer');
    } catch (err) {
      throw call.translate(err);
    } finally {
      call.dispose();
    }
  }

  /**
   * `dialogue.turn` in one request: each SSE event is checked against `DialogueTurnEventSchema` as it
   * arrives; an `error` event is the gateway's typed error, a malformed event or a stream that ends
   * before `done` is `AiFailed`.
   */
  async *turn(input: DialogueTurnInput, options: AiCallOptions = {}): AsyncGenerator<DialogueTurnEvent> {
    const call = this.open(options);
    try {
      const res = await this.post(DIALOGUE_TURN_TASK, input, true, options, call.signal);
      if (!res.ok) throw errorFrom(res.status, await res.json().catch(() => null));
      if (!res.body) throw new AiFailed('the AI gateway answered with no body');
      call.clearDeadline();
      let done = false;
      // Read to the body's end, `done` included: a response left half-read costs its keep-alive connection.
      for await (const frame of readSseFrames(res.body)) {
        if (done) continue;
        const data: unknown = JSON.parse(frame.data);
        if (frame.event === 'error') throw errorFrom(502, data);
        const event = DialogueTurnEventSchema.safeParse({ ...(data as object), type: frame.event });
        if (!event.success)
          throw new AiFailed(`the AI gateway sent a malformed "${frame.event}" event`, { cause: event.error });
        done = event.data.type === 'done';
        yield event.data;
      }
      if (!done) throw new AiFailed('the AI gateway turn stream ended before its end');
    } catch (err) {
      throw call.translate(err);
    } finally {
      call.dispose();
    }
  }

  async ping(): Promise<void> {
    let res: Response;
    try {
      res = await this.fetch(`${this.baseUrl}/readyz`, {
        signal: AbortSignal.timeout(Math.min(this.timeoutMs, 5_000)),
        ...this.through(),
      });
    } catch (err) {
      throw new AiUnavailable(`AI gateway unreachable: ${(err as Error).message}`, { cause: err });
    }
    await res.body?.cancel();
    if (!res.ok) throw new AiUnavailable(`AI gateway not ready (${res.status})`);
  }

  private post(
    task: string,
    input: unknown,
    stream: boolean,
    options: AiCallOptions,
    signal: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
    };
    if (options.traceparent) headers.traceparent = options.traceparent;
    if (this.serviceToken) headers.authorization = `Bearer ${this.serviceToken}`;
    return this.fetch(`${this.baseUrl}/v1/tasks/${encodeURIComponent(task)}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ input, stream }),
      signal,
      ...this.through(),
    });
  }

  /** The pool as fetch's `dispatcher` (an undici option Node's fetch takes; the DOM type does not name it). */
  private through(): RequestInit {
    return { dispatcher: this.pool } as RequestInit;
  }

  /** One call's abort wiring: the caller's signal, our deadline, and which of them fired. */
  private open(options: AiCallOptions) {
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort();
    if (options.signal?.aborted) controller.abort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const clearDeadline = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    return {
      signal: controller.signal,
      clearDeadline,
      dispose: () => {
        clearDeadline();
        options.signal?.removeEventListener('abort', onAbort);
        // Leaving early (or failing) must not leave the request running.
        controller.abort();
      },
      translate: (err: unknown): ParleyError => {
        if (options.signal?.aborted) return new Aborted('the caller went away', { cause: err });
        if (timedOut) return new AiTimeout(`the AI gateway did not answer within ${this.timeoutMs} ms`, { cause: err });
        if (err instanceof ParleyError) return err;
        if (err instanceof SyntaxError) return new AiFailed('the AI gateway sent malformed data', { cause: err });
        return new AiUnavailable(`AI gateway unreachable: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      },
    };
  }
}
