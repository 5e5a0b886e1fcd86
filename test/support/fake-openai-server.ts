import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedChat = {
  /** `dialogue_appraise`, `dialogue_options`, `dialogue_summarize` for structured calls; `stream` for streamed text. */
  kind: string;
  messages: Array<{ role: string; content: string }>;
  /** The whole request body as sent. */
  body: Record<string, unknown>;
};

/**
 * An answer written byte for byte (see model-server-shapes.ts): a status, headers, and the body as
 * the raw pieces to write (SSE frames exactly as a given server sends them), or no answer at all.
 */
export type ScriptedAnswer = {
  status?: number;
  headers?: Record<string, string>;
  body?: string[];
  /** Pause between body pieces (a model producing tokens at its pace); the pieces stop when the client hangs up. */
  paceMs?: number;
  /** After the body, the socket is left open without an end (a stream that stalls). */
  hang?: true;
  destroy?: true;
};

/**
 * An OpenAI-compatible chat-completions server on loopback that records every request and answers
 * each Parley task with valid output, or fails on purpose: `500` (every call answers 500), `hang`
 * (every call is left without an answer until the server stops).
 */
export class FakeOpenAiServer {
  readonly received: ReceivedChat[] = [];
  mode: 'answer' | '500' | 'hang' = 'answer';
  /** When set, asked first for each chat call: a scripted answer, or undefined for the default one. */
  script: ((call: ReceivedChat) => ScriptedAnswer | undefined) | undefined;
  replyText = 'Hm. Ask me again when the fire is lit.';
  url = '';
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => this.handle(req, res, raw));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    if (req.url?.endsWith('/models')) return json(res, 200, { object: 'list', data: [{ id: 'test-model', object: 'model', created: 0, owned_by: 'test' }] });
    const body = JSON.parse(raw) as { stream?: boolean; messages: ReceivedChat['messages']; response_format?: { json_schema?: { name?: string } } };
    const kind = body.stream ? 'stream' : (body.response_format?.json_schema?.name ?? taskOfPrompt(body.messages));
    const call = { kind, messages: body.messages, body: body as Record<string, unknown> };
    this.received.push(call);
    const scripted = this.script?.(call);
    if (scripted) return writeScripted(res, scripted);
    if (this.mode === 'hang') return;
    if (this.mode === '500') return json(res, 500, { error: { message: 'the model server is down', type: 'test' } });
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of this.replyText.match(/.{1,12}/gs) ?? []) res.write(`data: ${JSON.stringify(chunk({ content: piece }))}\n\n`);
      res.write(`data: ${JSON.stringify({ ...chunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ ...chunk({}), choices: [], usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 } })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    const content = structuredAnswer(kind, body.messages);
    json(res, 200, {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 1,
      model: 'test-model',
      choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(content), refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 80, completion_tokens: 20, total_tokens: 100 },
    });
  }
}

function structuredAnswer(kind: string, messages: ReceivedChat['messages']): unknown {
  switch (kind) {
    case 'dialogue_appraise':
      return { emotion: 'wary', intensity: 0.4, valence: -0.1, opinionDelta: -1, goalProgressDelta: 0.02, reasons: ['An odd thing to say.'] };
    case 'dialogue_options': {
      // The strategies the prompt offers, one `- id: description` line each.
      const listed = messages.flatMap((m) => [...m.content.matchAll(/^- ([a-z0-9-]+): /gm)].map((x) => x[1]!));
      return { options: [...new Set(listed)].slice(0, 3).map((strategyId) => ({ text: `Let me try to ${strategyId}.`, strategyId })) };
    }
    case 'dialogue_summarize':
      return { summary: 'The player and the character spoke briefly.' };
    default:
      return {};
  }
}

/** The task of a structured call sent without a response format (the server refused it): read from the prompt. */
function taskOfPrompt(messages: ReceivedChat['messages']): string {
  const text = messages.map((m) => m.content).join('\n');
  if (text.includes('short options')) return 'dialogue_options';
  if (text.includes('Summarize the conversation')) return 'dialogue_summarize';
  if (text.includes('Appraise that exchange')) return 'dialogue_appraise';
  return 'unknown';
}

function writeScripted(res: ServerResponse, answer: ScriptedAnswer): void {
  if (answer.destroy) {
    res.socket?.destroy();
    return;
  }
  if (answer.hang && !answer.body) return;
  res.writeHead(answer.status ?? 200, answer.headers ?? { 'content-type': 'text/event-stream' });
  const pieces = [...(answer.body ?? [])];
  const finish = (): void => {
    if (!answer.hang) res.end();
  };
  if (!answer.paceMs) {
    for (const piece of pieces) res.write(piece);
    finish();
    return;
  }
  const timer = setInterval(() => {
    const piece = pieces.shift();
    if (piece === undefined || res.destroyed) {
      clearInterval(timer);
      if (!res.destroyed) finish();
      return;
    }
    res.write(piece);
  }, answer.paceMs);
  res.on('close', () => clearInterval(timer));
}

/** The default structured answer of a task (`dialogue_options`...), for scripts that wrap it in a server's shape. */
export function defaultStructuredAnswer(call: ReceivedChat): unknown {
  return structuredAnswer(call.kind, call.messages);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const chunk = (delta: Record<string, unknown>) => ({
  id: 'chatcmpl-test',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'test-model',
  choices: [{ index: 0, delta, finish_reason: null }],
});
