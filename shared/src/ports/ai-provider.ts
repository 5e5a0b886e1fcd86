import type { AiTaskInput, AiTaskName, StreamingTaskName, TokenUsage } from '../domain/ai-tasks';

/** The tasks answered with one JSON document rather than streamed text. */
export type StructuredTaskName = Exclude<AiTaskName, StreamingTaskName>;

export type ProviderCallOptions = {
  signal?: AbortSignal | undefined;
  /** Where the model must stop (the player's turn); providers pass them to the model where they can. */
  stop?: readonly string[];
};

/** Why a stream ended, as the model server said it (`finish_reason`). */
export type FinishReason = 'stop' | 'length' | 'content_filter';

/**
 * A piece of a text stream: some text; or how much reasoning the model produced apart from its text
 * (a `reasoning_content` field: counted, never passed on); or the finish reason; or (usually last)
 * the usage of the whole call.
 */
export type TextChunk = {
  text?: string;
  /** Tokens generated since the last chunk, when the provider counts them (else one per chunk is assumed). */
  tokens?: number;
  reasoningChars?: number;
  finish?: FinishReason;
  usage?: TokenUsage;
};

/**
 * A model behind the AI gateway (OpenAI-compatible endpoint, scripted). The gateway validates inputs
 * before and outputs after; a provider only turns a task into a prompt and a prompt into text/JSON.
 * Every adapter guarantees:
 * - `streamText` yields text chunks as the model produces them (no buffering, no filtering: the
 *   gateway's reply filter does that for every provider), one chunk carrying `finish` when the model
 *   said why it stopped, and at most one chunk carrying `usage` (estimated when the endpoint reports
 *   none); a stream the server closed without saying why it ended rejects with `AiFailed`;
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
  /** The `max_tokens` of a reply (the gateway holds back an unfinished sentence near it); none: unbounded. */
  readonly replyMaxTokens?: number;
  /** Tokens of the model's context window, when known: the gateway fits every prompt into it. */
  readonly contextTokens?: number;
  streamText<T extends StreamingTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options: ProviderCallOptions,
  ): AsyncIterable<TextChunk>;
  generateJson<T extends StructuredTaskName>(
    task: T,
    input: AiTaskInput<T>,
    jsonSchema: Record<string, unknown>,
    options: ProviderCallOptions,
  ): Promise<{ value: unknown; usage: TokenUsage }>;
  /** Resolves when the provider can take calls (readiness). */
  ping(): Promise<void>;
}
