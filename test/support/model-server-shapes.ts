/**
 * Answers of real OpenAI-compatible servers, byte for byte, for the fake server's scripted answers:
 * the chunk fields each server sends, where it puts reasoning, how it ends a stream, its keep-alive
 * comments and JSON escaping. Taken from the servers' public bug reports and docs:
 * - vLLM with a reasoning parser: `delta.reasoning_content`, a first `{"role":"assistant","content":""}`
 *   chunk, `logprobs: null`, `stop_reason` beside `finish_reason`, a usage chunk with `choices: []`;
 * - Ollama: `system_fingerprint: "fp_ollama"`, `<`/`>` escaped as `\u003c`/`\u003e` (Go's encoder),
 *   `<think>` in `content` (before 0.12.5) or `delta.reasoning` (after), `role` in every delta;
 * - llama.cpp server: keys in its own order, `delta.reasoning_content` with `--reasoning-format
 *   deepseek`, the opening `<think>` eaten by the template otherwise (content starts mid-reasoning
 *   and only `</think>` appears), a final usage chunk with `timings`;
 * - LM Studio: `<think>` in content, `system_fingerprint` = the model;
 * - OpenRouter: `: OPENROUTER PROCESSING` comment lines, `delta.reasoning`, `native_finish_reason`.
 */
import type { ScriptedAnswer } from './fake-openai-server';

export type ServerKind = 'vllm' | 'ollama' | 'llama.cpp' | 'lmstudio' | 'openrouter';
export const SERVER_KINDS: readonly ServerKind[] = ['vllm', 'ollama', 'llama.cpp', 'lmstudio', 'openrouter'];

/** A piece of the stream: reasoning sent apart (in the server's reasoning field) or content. */
export type StreamPart = { reasoning: string } | { content: string };

export type StreamEnd = {
  /** The last chunk's finish_reason; null: the server never says (a cut stream). */
  finish: 'stop' | 'length' | 'content_filter' | null;
  /** `data: [DONE]` at the end. */
  done: boolean;
};

const SSE = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' };
const CREATED = 1_767_000_000;
const USAGE = { prompt_tokens: 412, completion_tokens: 96, total_tokens: 508 };

/** Go's encoding/json escapes <, > and & in strings. */
const goJson = (value: unknown) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

function chunkOf(kind: ServerKind, delta: Record<string, unknown>, finish: string | null): string {
  switch (kind) {
    case 'vllm':
      return JSON.stringify({
        id: 'chatcmpl-8f3c2a9b1d6e4f70a5b2c3d4e5f60718',
        object: 'chat.completion.chunk',
        created: CREATED,
        model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish, ...(finish ? { stop_reason: null } : {}) }],
      });
    case 'ollama':
      return goJson({
        id: 'chatcmpl-184',
        object: 'chat.completion.chunk',
        created: CREATED,
        model: 'qwen3:8b',
        system_fingerprint: 'fp_ollama',
        choices: [{ index: 0, delta: { role: 'assistant', ...delta }, finish_reason: finish }],
      });
    case 'llama.cpp':
      return JSON.stringify({
        choices: [{ finish_reason: finish, index: 0, delta }],
        created: CREATED,
        id: 'chatcmpl-fwL9J1dyQk2Xb7',
        model: 'Qwen3-4B-Q5_K_M.gguf',
        system_fingerprint: 'b9294-0f3cb3fc8',
        object: 'chat.completion.chunk',
      });
    case 'lmstudio':
      return JSON.stringify({
        id: 'chatcmpl-3yq8n5w0k1',
        object: 'chat.completion.chunk',
        created: CREATED,
        model: 'qwen3-8b',
        system_fingerprint: 'qwen3-8b',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      });
    case 'openrouter':
      return JSON.stringify({
        id: 'gen-1767000000-svZjag48VXWwp0RfBi2z',
        provider: 'DeepInfra',
        model: 'deepseek/deepseek-r1',
        object: 'chat.completion.chunk',
        created: CREATED,
        choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }],
      });
  }
}

function usageChunk(kind: ServerKind): string | undefined {
  switch (kind) {
    case 'vllm':
      return JSON.stringify({
        id: 'chatcmpl-8f3c2a9b1d6e4f70a5b2c3d4e5f60718',
        object: 'chat.completion.chunk',
        created: CREATED,
        model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
        choices: [],
        usage: USAGE,
      });
    case 'ollama':
      return goJson({
        id: 'chatcmpl-184',
        object: 'chat.completion.chunk',
        created: CREATED,
        model: 'qwen3:8b',
        system_fingerprint: 'fp_ollama',
        choices: [],
        usage: USAGE,
      });
    case 'llama.cpp':
      return JSON.stringify({
        choices: [],
        created: CREATED,
        id: 'chatcmpl-fwL9J1dyQk2Xb7',
        model: 'Qwen3-4B-Q5_K_M.gguf',
        system_fingerprint: 'b9294-0f3cb3fc8',
        object: 'chat.completion.chunk',
        usage: USAGE,
        timings: { prompt_n: 412, prompt_ms: 180.2, predicted_n: 96, predicted_ms: 2210.4 },
      });
    case 'openrouter':
      return JSON.stringify({
        id: 'gen-1767000000-svZjag48VXWwp0RfBi2z',
        provider: 'DeepInfra',
        model: 'deepseek/deepseek-r1',
        object: 'chat.completion.chunk',
        created: CREATED,
        choices: [],
        usage: USAGE,
      });
    case 'lmstudio':
      return undefined;
  }
}

/** Where each server puts reasoning that it parsed out of the text. */
const REASONING_FIELD: Record<ServerKind, string> = {
  vllm: 'reasoning_content',
  ollama: 'reasoning',
  'llama.cpp': 'reasoning_content',
  lmstudio: 'reasoning_content',
  openrouter: 'reasoning',
};

/** A streamed chat completion as `kind` sends it. */
export function streamAnswer(
  kind: ServerKind,
  parts: StreamPart[],
  end: StreamEnd = { finish: 'stop', done: true },
): ScriptedAnswer {
  const frames: string[] = [];
  const frame = (data: string) => frames.push(`data: ${data}\n\n`);
  if (kind === 'openrouter') frames.push(': OPENROUTER PROCESSING\n\n', ': OPENROUTER PROCESSING\n\n');
  if (kind === 'vllm' || kind === 'lmstudio') frame(chunkOf(kind, { role: 'assistant', content: '' }, null));
  if (kind === 'llama.cpp') frame(chunkOf(kind, { role: 'assistant', content: null }, null));
  for (const part of parts) {
    if ('reasoning' in part)
      frame(
        chunkOf(
          kind,
          {
            [REASONING_FIELD[kind]]: part.reasoning,
            ...(kind === 'llama.cpp' ? {} : { content: kind === 'openrouter' ? '' : null }),
          },
          null,
        ),
      );
    else frame(chunkOf(kind, { content: part.content }, null));
    if (kind === 'openrouter' && frames.length % 5 === 0) frames.push(': OPENROUTER PROCESSING\n\n');
  }
  if (end.finish) frame(chunkOf(kind, kind === 'ollama' ? { content: '' } : {}, end.finish));
  const usage = usageChunk(kind);
  if (usage && end.finish) frame(usage);
  if (end.done) frames.push('data: [DONE]\n\n');
  return { status: 200, headers: SSE, body: frames };
}

/** Text cut in pieces of a few characters, as tokens arrive. */
export function tokens(text: string, size = 7): string[] {
  return text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
}

/** A non-streamed chat completion whose message is `content` (and maybe reasoning apart), as `kind` sends it. */
export function completionAnswer(
  kind: ServerKind,
  message: { content: string | null; reasoning?: string },
): ScriptedAnswer {
  const msg = {
    role: 'assistant',
    content: message.content,
    ...(message.reasoning === undefined ? {} : { [REASONING_FIELD[kind]]: message.reasoning }),
  };
  const body = {
    id: 'chatcmpl-613',
    object: 'chat.completion',
    created: CREATED,
    model: 'test-model',
    ...(kind === 'ollama' ? { system_fingerprint: 'fp_ollama' } : {}),
    choices: [
      {
        index: 0,
        message: msg,
        finish_reason: 'stop',
        ...(kind === 'vllm' || kind === 'lmstudio' ? { logprobs: null } : {}),
      },
    ],
    usage: USAGE,
  };
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: [kind === 'ollama' ? goJson(body) : JSON.stringify(body)],
  };
}

/** An error answer in the body shape `kind` uses. */
export function errorAnswer(
  kind: ServerKind | 'openai',
  status: number,
  message: string,
  headers: Record<string, string> = {},
): ScriptedAnswer {
  const body =
    kind === 'llama.cpp'
      ? { error: { code: status, message, type: 'invalid_request_error' } }
      : kind === 'lmstudio'
        ? { error: message }
        : kind === 'ollama'
          ? { error: { message, type: 'invalid_request_error', param: null, code: null } }
          : { error: { message, type: 'invalid_request_error', param: null, code: null } };
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: [JSON.stringify(body)] };
}
