import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { AiTaskInput, StreamingTaskName, TokenUsage } from '../../domain/ai-tasks';
import { Aborted, AiFailed, AiTimeout, AiUnavailable, CONTEXT_LENGTH_EXCEEDED, ParleyError } from '../../domain/errors';
import type { Logger } from '../../ports/logger';
import type {
  AiProvider,
  FinishReason,
  ProviderCallOptions,
  StructuredTaskName,
  TextChunk,
} from '../../ports/ai-provider';
import { extractJson } from './json-answer';
import { buildMessages, estimateTokens, type ChatMessage } from './prompts';

export type OpenAiProviderOptions = {
  model: string;
  apiKey?: string | undefined;
  baseURL?: string | undefined;
  /** For tests and proxies; the SDK's default fetch otherwise. */
  fetch?: typeof fetch | undefined;
  /** No answer (or no new chunk of a stream, reasoning included) for this long -> AiTimeout. */
  timeoutMs?: number;
  /** The whole call (retries and waits included) ends by then -> AiTimeout. Default: 4 x timeoutMs. */
  callDeadlineMs?: number | undefined;
  /** The model's context window in tokens (AI_CONTEXT_TOKENS), when known. */
  contextTokens?: number | undefined;
  /** Logs once per feature the endpoint refused. */
  logger?: Logger | undefined;
  /** Tries per call on 429, 5xx and connection errors (timeouts are not retried: the player is waiting). */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  random?: () => number;
};

const REPLY_MAX_TOKENS = 400;

function toUsage(
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null | undefined,
): TokenUsage | undefined {
  if (!usage) return undefined;
  return { prompt: usage.prompt_tokens, completion: usage.completion_tokens, total: usage.total_tokens };
}

function estimateUsage(messages: ChatMessage[], completion: string): TokenUsage {
  const prompt = messages.reduce((n, m) => n + estimateTokens(m.content), 0);
  const done = estimateTokens(completion);
  return { prompt, completion: done, total: prompt + done };
}

/**
 * Aborts a call when the caller goes away, when the endpoint stays silent too long (idle), or when
 * the whole call outlives its deadline, and says which.
 */
class CallGuard {
  readonly controller = new AbortController();
  timedOut = false;
  deadlineExceeded = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly deadlineTimer: NodeJS.Timeout;
  private readonly deadlineAt: number;
  private readonly onOuterAbort = () => this.controller.abort();

  constructor(
    private readonly timeoutMs: number,
    private readonly deadlineMs: number,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.deadlineAt = Date.now() + deadlineMs;
    this.deadlineTimer = setTimeout(() => {
      this.deadlineExceeded = true;
      this.controller.abort();
    }, deadlineMs);
    if (outer?.aborted) this.controller.abort();
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Milliseconds left before the call's deadline. */
  get remainingMs(): number {
    return Math.max(0, this.deadlineAt - Date.now());
  }

  arm(): void {
    this.pause();
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.timeoutMs);
  }

  pause(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.pause();
    clearTimeout(this.deadlineTimer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }

  /** Our typed error for whatever the SDK (or the network) threw; the endpoint's own words stay in `upstream`. */
  translate(err: unknown): ParleyError {
    if (this.outer?.aborted) return new Aborted('the caller went away', { cause: err });
    if (this.deadlineExceeded)
      return new AiTimeout(`the AI call did not finish within ${this.deadlineMs} ms`, { cause: err });
    if (this.timedOut || err instanceof APIConnectionTimeoutError)
      return new AiTimeout(`the AI endpoint was silent for ${this.timeoutMs} ms`, { cause: err });
    if (err instanceof ParleyError) return err;
    if (err instanceof APIUserAbortError) return new Aborted('the AI call was aborted', { cause: err });
    if (err instanceof APIConnectionError)
      return new AiUnavailable('cannot reach the AI endpoint', { cause: err, upstream: err.message });
    if (err instanceof APIError) {
      const details = { status: err.status };
      const upstream = err.message;
      if (err.status === 429)
        return new AiUnavailable('the AI endpoint is rate-limiting us', { cause: err, details, upstream });
      if (err.status === 503)
        return new AiUnavailable('the AI endpoint is unavailable', { cause: err, details, upstream });
      if (contextTooLong(err))
        return new AiFailed("the prompt does not fit the model's context", {
          cause: err,
          details: { ...details, reason: CONTEXT_LENGTH_EXCEEDED },
          upstream,
        });
      return new AiFailed(`the AI endpoint answered ${err.status ?? 'an error'}`, { cause: err, details, upstream });
    }
    return new AiFailed('the AI call failed', { cause: err, upstream: (err as Error)?.message ?? String(err) });
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError) return false;
  if (err instanceof APIConnectionError) return true;
  return err instanceof APIError && typeof err.status === 'number' && (err.status === 429 || err.status >= 500);
}

/** Retry-After in ms (`retry-after-ms`, seconds, or an HTTP date), when the endpoint sent one. */
function retryAfterMs(err: unknown, nowMs: number): number | undefined {
  const headers = err instanceof APIError ? err.headers : undefined;
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms)) return Math.max(0, ms);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The words servers use when a prompt is longer than the model's context (OpenAI's code, vLLM, llama.cpp, Ollama). */
function contextTooLong(err: APIError): boolean {
  if (err.status !== 400 && err.status !== 413 && err.status !== 422) return false;
  return (
    err.code === CONTEXT_LENGTH_EXCEEDED ||
    /context[_ ]length|context window|maximum context|exceeds? the (available )?context|prompt is too long|too many tokens/i.test(
      err.message,
    )
  );
}

/** Optional request features some OpenAI-compatible servers refuse with a 400. */
type Feature = 'response_format' | 'stream_options';

/** Which optional feature a 400/422 answer refuses, by the words the servers use for it. */
function refusedFeature(err: unknown, asked: readonly Feature[]): Feature | undefined {
  if (!(err instanceof APIError) || (err.status !== 400 && err.status !== 422)) return undefined;
  const text = `${err.message} ${JSON.stringify(err.error ?? '')}`;
  if (asked.includes('stream_options') && /stream_options|include_usage/i.test(text)) return 'stream_options';
  if (
    asked.includes('response_format') &&
    /response_format|json_schema|json schema|structured output|grammar/i.test(text)
  )
    return 'response_format';
  return undefined;
}

/** A chunk's reasoning, in the field names servers use (`reasoning_content`: DeepSeek, vLLM, llama.cpp; `reasoning`: OpenRouter, newer vLLM, Ollama). */
function reasoningOf(delta: unknown): string | undefined {
  const d = delta as { reasoning_content?: unknown; reasoning?: unknown } | undefined;
  const value = d?.reasoning_content ?? d?.reasoning;
  return typeof value === 'string' ? value : undefined;
}

/** The finish reasons we act on; anything else a server invents counts as a plain stop. */
function finishOf(reason: unknown): FinishReason | undefined {
  if (reason === null || reason === undefined) return undefined;
  return reason === 'length' || reason === 'content_filter' ? reason : 'stop';
}

/**
 * Any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, LM Studio, llama.cpp,
 * OpenRouter) through the official SDK. The SDK's own retries are off: ours are bounded, jittered,
 * honour Retry-After when it fits the call's deadline, and never happen once a stream has started.
 * Any token (reasoning too) restarts the idle timer; the whole call has a deadline. A feature the
 * server refuses (json_schema response format, stream_options) is dropped and remembered.
 */
export class OpenAiProvider implements AiProvider {
  readonly name = 'openai';
  readonly model: string;
  readonly replyMaxTokens = REPLY_MAX_TOKENS;
  readonly contextTokens?: number;
  private readonly client: OpenAI;
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly random: () => number;
  private readonly logger: Logger | undefined;
  private readonly endpoint: string;
  /** Features this endpoint and model refused: not asked for again. */
  private readonly refused = new Set<Feature>();

  constructor(options: OpenAiProviderOptions) {
    this.model = options.model;
    if (options.contextTokens !== undefined) this.contextTokens = options.contextTokens;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.deadlineMs = options.callDeadlineMs ?? 4 * this.timeoutMs;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.retryMaxMs = options.retryMaxMs ?? 8_000;
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    this.endpoint = options.baseURL ?? 'https://api.openai.com/v1';
    this.client = new OpenAI({
      // Local servers (Ollama, llama.cpp) need no key, but the SDK insists on one.
      apiKey: options.apiKey ?? 'no-key',
      baseURL: options.baseURL,
      fetch: options.fetch,
      timeout: this.timeoutMs,
      maxRetries: 0,
    });
  }

  async *streamText<T extends StreamingTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options: ProviderCallOptions,
  ): AsyncIterable<TextChunk> {
    const messages = buildMessages(task, input);
    const maxTokens = task === 'text.generate' ? (input as AiTaskInput<'text.generate'>).maxTokens : REPLY_MAX_TOKENS;
    const seed = (input as { seed?: number }).seed;
    // The OpenAI API takes at most four stop sequences.
    const stop = (options.stop ?? []).slice(0, 4);
    const guard = new CallGuard(this.timeoutMs, this.deadlineMs, options.signal);
    try {
      const stream = await this.withRefusals(['stream_options'], (features) =>
        this.withRetries(guard, (signal) =>
          this.client.chat.completions.create(
            {
              model: this.model,
              messages,
              stream: true,
              ...(features.has('stream_options') ? { stream_options: { include_usage: true } } : {}),
              ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
              ...(seed === undefined ? {} : { seed }),
              ...(stop.length > 0 ? { stop } : {}),
            },
            { signal },
          ),
        ),
      );
      let text = '';
      let usage: TokenUsage | undefined;
      let finish: FinishReason | undefined;
      guard.arm();
      for await (const chunk of stream) {
        usage = toUsage(chunk.usage) ?? usage;
        const choice = chunk.choices[0];
        finish = finishOf(choice?.finish_reason) ?? finish;
        const reasoning = reasoningOf(choice?.delta);
        const delta = choice?.delta?.content;
        if (!delta && !reasoning) continue;
        // Any token is a sign of life; a slow consumer is not a silent endpoint, so the clock waits while we yield.
        guard.pause();
        if (reasoning) yield { reasoningChars: reasoning.length };
        if (delta) {
          text += delta;
          yield { text: delta };
        }
        guard.arm();
      }
      guard.pause();
      // The SDK ends a stream quietly when it is aborted or the server hangs up: a cut stream must not pass for a whole one.
      if (guard.signal.aborted) throw new Error('the stream was cut off');
      if (!finish) throw new AiFailed('the AI stream ended without a finish reason (cut off)');
      yield { finish };
      yield { usage: usage ?? estimateUsage(messages, text) };
    } catch (err) {
      throw guard.translate(err);
    } finally {
      guard.dispose();
    }
  }

  async generateJson<T extends StructuredTaskName>(
    task: T,
    input: AiTaskInput<T>,
    jsonSchema: Record<string, unknown>,
    options: ProviderCallOptions,
  ): Promise<{ value: unknown; usage: TokenUsage }> {
    const messages = buildMessages(task, input);
    const seed = (input as { seed?: number }).seed;
    const guard = new CallGuard(this.timeoutMs, this.deadlineMs, options.signal);
    try {
      const completion = await this.withRefusals(['response_format'], (features) =>
        this.withRetries(guard, (signal) =>
          this.client.chat.completions.create(
            {
              model: this.model,
              // Without a schema-constrained format the prompt asks for the JSON itself.
              messages: features.has('response_format')
                ? messages
                : [...messages, { role: 'system', content: jsonInstruction(jsonSchema) }],
              ...(features.has('response_format')
                ? {
                    response_format: {
                      type: 'json_schema' as const,
                      json_schema: { name: task.replace(/\W/g, '_'), schema: jsonSchema, strict: true },
                    },
                  }
                : {}),
              ...(seed === undefined ? {} : { seed }),
            },
            { signal },
          ),
        ),
      );
      const message = completion.choices[0]?.message;
      const content = message?.content ?? '';
      // The JSON may come fenced, after a think block, or (reasoning parsers) in the reasoning field with no content.
      const found = extractJson(content) ?? extractJson(reasoningOf(message));
      // Not JSON: handed on as text, the gateway's schema check rejects it and retries.
      return {
        value: found ? found.value : content,
        usage: toUsage(completion.usage) ?? estimateUsage(messages, content),
      };
    } catch (err) {
      throw guard.translate(err);
    } finally {
      guard.dispose();
    }
  }

  async ping(): Promise<void> {
    const guard = new CallGuard(Math.min(this.timeoutMs, 5_000), Math.min(this.timeoutMs, 5_000), undefined);
    guard.arm();
    try {
      await this.client.models.list({ signal: guard.signal });
    } catch (err) {
      throw guard.translate(err);
    } finally {
      guard.dispose();
    }
  }

  /** Sends with the optional features this endpoint has not refused; one it refuses now is dropped, remembered and logged once. */
  private async withRefusals<R>(
    asked: readonly Feature[],
    send: (features: ReadonlySet<Feature>) => Promise<R>,
  ): Promise<R> {
    for (;;) {
      const features = new Set(asked.filter((f) => !this.refused.has(f)));
      try {
        return await send(features);
      } catch (err) {
        const feature = refusedFeature(err, [...features]);
        if (!feature) throw err;
        this.refused.add(feature);
        this.logger?.warn(
          { endpoint: this.endpoint, model: this.model, feature, upstream: (err as Error).message },
          'the AI endpoint refuses a request feature; sending without it from now on',
        );
      }
    }
  }

  private async withRetries<R>(guard: CallGuard, send: (signal: AbortSignal) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      guard.arm();
      try {
        return await send(guard.signal);
      } catch (err) {
        if (guard.signal.aborted || !isRetryable(err)) throw err;
        const hinted = retryAfterMs(err, Date.now());
        // The server's own wait, when it gave one, is the wait: too long for this call means fail now and pass the hint on.
        if (hinted !== undefined && hinted > guard.remainingMs) {
          throw new AiUnavailable('the AI endpoint asks us to wait longer than this call may take', {
            cause: err,
            upstream: (err as Error).message,
            retryAfterSeconds: hinted / 1000,
            details: { status: (err as APIError).status },
          });
        }
        if (attempt >= this.maxAttempts) throw err;
        guard.pause();
        const backoff = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1)) * (0.5 + this.random() / 2);
        await sleep(Math.min(hinted ?? backoff, guard.remainingMs), guard.signal);
      } finally {
        guard.pause();
      }
    }
  }
}

/** The instruction that replaces a refused JSON response format: the schema in the prompt. */
function jsonInstruction(jsonSchema: Record<string, unknown>): string {
  return `Answer with one JSON object only, no other text, matching this JSON schema: ${JSON.stringify(jsonSchema)}`;
}
