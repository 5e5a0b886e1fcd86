import type { AiTaskInput, AiTaskName, StreamingTaskName, TokenUsage } from '../domain/ai-tasks';

/** The tasks answered with one JSON document rather than streamed text. */
export type StructuredTaskName = Exclude<AiTaskName, StreamingTaskName>;

export type ProviderCallOptions = { signal?: AbortSignal };

/** A piece of a text stream: some text, or (usually last) the usage of the whole call. */
export type TextChunk = { text?: string; usage?: TokenUsage };

/**
 * A model behind the AI gateway (OpenAI-compatible endpoint, scripted). The gateway validates inputs
 * before and outputs after; a provider only turns a task into a prompt and a prompt into text/JSON.
 * Every adapter guarantees:
 * - `streamText` yields text chunks as the model produces them (no buffering), and at most one
 *   chunk carrying `usage` (estimated when the endpoint reports none);
 * - `generateJson` resolves with the model's parsed JSON, or with the raw text when the model
 *   answered something that is not JSON; it never validates (the gateway's schema check does);
 * - the signal is honoured: once it aborts, the call rejects with `Aborted` and the upstream
 *   request is cancelled;
 * - failures reject with typed errors: `AiUnavailable` (cannot reach it, rate-limited after
 *   retries), `AiTimeout` (no answer in time), `AiFailed` (it answered with an error);
 * - retries, when any, are the provider's own and happen before any chunk is yielded.
 */
export interface AiProvider {
  readonly name: string;
  readonly model: string;
  streamText<T extends StreamingTaskName>(task: T, input: AiTaskInput<T>, options: ProviderCallOptions): AsyncIterable<TextChunk>;
  generateJson<T extends StructuredTaskName>(
    task: T,
    input: AiTaskInput<T>,
    jsonSchema: Record<string, unknown>,
    options: ProviderCallOptions,
  ): Promise<{ value: unknown; usage: TokenUsage }>;
  /** Resolves when the provider can take calls (readiness). */
  ping(): Promise<void>;
}
