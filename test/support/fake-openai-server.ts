import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

type ChatMessage = { role: string; content: string };

/** The body of a chat-completions request, as far as the tests look into it. */
export type ChatRequestBody = {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: unknown;
  max_tokens?: number;
  response_format?: {
    type: string;
    json_schema: { name: string; strict: boolean; schema: { type: string; required: string[] } };
  };
};

/** One request the server received (`/models` pings are answered and not recorded). */
export type ReceivedChat = {
  path: string;
  headers: IncomingHttpHeaders;
  body: ChatRequestBody;
  /** `dialogue_appraise`, `dialogue_options`, `dialogue_summarize`... for structured calls; `stream` for streamed text. */
  kind: string;
};

/**
 * Exactly what to send for one request, byte for byte. With `status`, the status line and `headers` are sent
 * (after `delayMs`), then each `body` piece as written, `paceMs` apart (a `{ delayMs }` piece waits that long
 * instead), then the answer finishes: `end` (default) ends the response, `close` destroys the connection without
 * ending it, `hang` leaves it open until the client or the server goes. Without `status` nothing is sent at all
 * and `finish` is `close` or `hang`.
 */
export type ScriptedAnswer =
  | {
      delayMs?: number;
      status: number;
      headers?: Record<string, string>;
      body?: Array<string | { delayMs: number }>;
      paceMs?: number;
      finish?: 'end' | 'close' | 'hang';
    }
  | { delayMs?: number; status?: undefined; finish: 'close' | 'hang' };

/** An answer, or a function that writes one from the request it answers (undefined: the default answer). */
export type Answer = ScriptedAnswer | ((request: ReceivedChat) => ScriptedAnswer | undefined);

/**
 * An OpenAI-compatible chat-completions server on loopback for tests. Each request takes the next answer
 * scripted with `answerNext`; once those are used up, the `answerAll` answer; a function that answers
 * undefined, or no answer at all, falls back to {@link parleyAnswers} (valid output for every Parley task).
 * `GET .../models` is always answered, for readiness pings. Every chat request is recorded in `received`.
 * Real servers' byte shapes (vLLM, Ollama, llama.cpp...) are built in model-server-shapes.ts.
 */
export class FakeOpenAiServer {
  readonly received: ReceivedChat[] = [];
  url = '';
  /**
   * When set, the server enforces a context window as a real one does: a request whose prompt tokens
   * (by the given counter, an independent tokenizer) plus `max_tokens` exceed it answers 400
   * `context_length_exceeded`. `largestRequest` keeps the biggest served.
   */
  context: { tokens: number; count: (messages: ChatMessage[]) => number } | undefined;
  largestRequest = 0;
  private queue: Answer[] = [];
  private fallback: Answer = DEFAULT_ANSWERS;
  private readonly stopping = new AbortController();
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => void this.handle(req, res, raw).catch(() => res.destroy()));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  /** The answers for the next requests, in order (replacing any left over); also forgets what was received. */
  answerNext(...answers: Answer[]): void {
    this.queue = answers;
    this.received.length = 0;
  }

  /** The answer for every request once the `answerNext` script is used up. */
  answerAll(answer: Answer): void {
    this.fallback = answer;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    if (req.url?.endsWith('/models'))
      return play(
        res,
        json(200, { object: 'list', data: [{ id: 'test-model', object: 'model', created: 0, owned_by: 'test' }] }),
        this.stopping.signal,
      );
    const body = JSON.parse(raw) as ChatRequestBody;
    const request: ReceivedChat = {
      path: req.url ?? '',
      headers: req.headers,
      body,
      kind: body.stream ? 'stream' : (body.response_format?.json_schema?.name ?? taskOfPrompt(body.messages)),
    };
    this.received.push(request);
    if (this.context) {
      const requested = this.context.count(body.messages) + (body.max_tokens ?? 0);
      if (requested > this.context.tokens) {
        const message = `This model's maximum context length is ${this.context.tokens} tokens. However, you requested ${requested} tokens. Please reduce the length of the messages.`;
        return play(
          res,
          json(400, {
            error: { message, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' },
          }),
          this.stopping.signal,
        );
      }
      this.largestRequest = Math.max(this.largestRequest, requested);
    }
    const answer = this.queue.shift() ?? this.fallback;
    const scripted = typeof answer === 'function' ? answer(request) : answer;
    await play(res, scripted ?? DEFAULT_ANSWERS(request), this.stopping.signal);
  }
}

async function play(res: ServerResponse, answer: ScriptedAnswer, stopping: AbortSignal): Promise<void> {
  const wait = (ms: number | undefined) =>
    ms
      ? sleep(ms, undefined, { signal: stopping }).then(
          () => !res.destroyed,
          () => false,
        )
      : !res.destroyed;
  if (!(await wait(answer.delayMs))) return;
  if (answer.status !== undefined) {
    res.writeHead(answer.status, answer.headers ?? {});
    res.flushHeaders();
    let first = true;
    for (const piece of answer.body ?? []) {
      if (typeof piece !== 'string') {
        if (!(await wait(piece.delayMs))) return;
        continue;
      }
      if (!first && !(await wait(answer.paceMs))) return;
      first = false;
      res.write(piece);
    }
  }
  const finish = answer.finish ?? 'end';
  if (finish === 'end') res.end();
  else if (finish === 'close') res.socket?.destroy();
}

// ---- answers ----

export const SSE_HEADERS = { 'content-type': 'text/event-stream' };
export const DEFAULT_USAGE = { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 };

/** A JSON answer with this status. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): ScriptedAnswer {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: [JSON.stringify(body)] };
}

/** An OpenAI error body with this status (e.g. 429 with `retry-after`, 500). */
export function errorStatus(status: number, headers: Record<string, string> = {}): ScriptedAnswer {
  return json(status, { error: { message: `status ${status}`, type: 'test' } }, headers);
}

/** A non-streamed chat completion whose message content is `content` (structured tasks send JSON text). */
export function completion(
  content: string,
  usage = { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
): ScriptedAnswer {
  return json(200, {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1,
    model: 'test-model',
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
    ],
    usage,
  });
}

/** One `data:` frame of a stream, as the raw string written on the wire. */
export const sseData = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;

/** A `chat.completion.chunk` carrying `delta`. */
export const chatChunk = (delta: Record<string, unknown>) => ({
  id: 'chatcmpl-test',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'test-model',
  choices: [{ index: 0, delta, finish_reason: null }],
});

/** A streamed completion as OpenAI sends it: a role chunk, one chunk per piece, a `stop` chunk, a usage chunk, `[DONE]`. */
export function streamed(pieces: string[], usage = DEFAULT_USAGE): ScriptedAnswer {
  return {
    status: 200,
    headers: SSE_HEADERS,
    body: [
      sseData(chatChunk({ role: 'assistant', content: '' })),
      ...pieces.map((content) => sseData(chatChunk({ content }))),
      sseData({ ...chatChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      sseData({ ...chatChunk({}), choices: [], usage }),
      'data: [DONE]\n\n',
    ],
  };
}

/** No answer at all until the server stops. */
export const silence: ScriptedAnswer = { finish: 'hang' };

export const FAKE_REPLY_TEXT = 'Hm. Ask me again when the fire is lit.';
const DEFAULT_ANSWERS = parleyAnswers();

/**
 * Valid output for each Parley task: the reply (`replyText`, streamed in 12-character pieces), an appraisal,
 * options naming the strategies the prompt offers, a summary.
 */
export function parleyAnswers(options: { replyText?: string } = {}): (request: ReceivedChat) => ScriptedAnswer {
  const replyText = options.replyText ?? FAKE_REPLY_TEXT;
  return (request) => {
    if (request.body.stream)
      return streamed(replyText.match(/.{1,12}/gs) ?? [], {
        prompt_tokens: 50,
        completion_tokens: 10,
        total_tokens: 60,
      });
    return completion(JSON.stringify(defaultStructuredAnswer(request)), {
      prompt_tokens: 80,
      completion_tokens: 20,
      total_tokens: 100,
    });
  };
}

/** The default structured answer of a task (`dialogue_options`...), for scripts that wrap it in a server's shape. */
export function defaultStructuredAnswer(call: ReceivedChat): unknown {
  return structuredAnswer(call.kind, call.body.messages);
}

/** The task of a structured call sent without a response format (the server refused it): read from the prompt. */
function taskOfPrompt(messages: ChatMessage[]): string {
  const text = messages.map((m) => m.content).join('\n');
  if (text.includes('short options')) return 'dialogue_options';
  if (text.includes('Summarize the conversation')) return 'dialogue_summarize';
  if (text.includes('Appraise ')) return 'dialogue_appraise';
  if (text.includes('will remember about the player')) return 'dialogue_remember';
  return 'unknown';
}

function structuredAnswer(kind: string, messages: ChatMessage[]): unknown {
  switch (kind) {
    case 'dialogue_appraise':
      return {
        emotion: 'wary',
        intensity: 0.4,
        valence: -0.1,
        opinionDelta: -1,
        goalProgressDelta: 0.02,
        reasons: ['An odd thing to say.'],
      };
    case 'dialogue_options': {
      // The strategies the prompt offers, one `- id: description` line each.
      const listed = messages.flatMap((m) => [...m.content.matchAll(/^- ([a-z0-9-]+): /gm)].map((x) => x[1]!));
      return {
        options: [...new Set(listed)]
          .slice(0, 3)
          .map((strategyId) => ({ text: `Let me try to ${strategyId}.`, strategyId })),
      };
    }
    case 'dialogue_summarize':
      return { summary: 'The player and the character spoke briefly.' };
    case 'dialogue_remember':
      return { memories: [{ text: 'They spoke with me once.', importance: 0.4 }] };
    default:
      return {};
  }
}
