import type { AiCallMeta, AiTaskInput, AiTaskName, AiTaskOutput, StreamingTaskName } from '../domain/ai-tasks';
import type { DialogueTurnEvent, DialogueTurnInput } from '../domain/dialogue-turn';

export type AiCallOptions = { signal?: AbortSignal | undefined; traceparent?: string | undefined };

/** What a streamed task yields: text chunks as they come, then the validated output. */
export type AiStreamEvent<T extends AiTaskName = AiTaskName> =
  { type: 'delta'; text: string } | { type: 'done'; output: AiTaskOutput<T>; meta: AiCallMeta };

/**
 * The dialogue functions' view of the AI gateway. Adapters: in-process (the gateway's service
 * called directly) and HTTP (`AI_URL`). Outputs are already validated against the task's schema.
 * Failures reject with `AiFailed` / `AiUnavailable` / `AiTimeout`; an aborted signal with `Aborted`.
 */
export interface AiClient {
  run<T extends AiTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options?: AiCallOptions,
  ): Promise<{ output: AiTaskOutput<T>; meta: AiCallMeta }>;
  stream<T extends StreamingTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options?: AiCallOptions,
  ): AsyncIterable<AiStreamEvent<T>>;
  /**
   * One player turn's AI steps in one call (`dialogue.turn`): appraisal, the reply's deltas and
   * reply, then options and summary as `planTurn` asks for them, `done` last (see
   * `DialogueTurnEventSchema`). Each step has the same checks and fallbacks as its own task; a
   * stream that breaks off rejects (`AiFailed`), it never ends without `done`.
   */
  turn(input: DialogueTurnInput, options?: AiCallOptions): AsyncIterable<DialogueTurnEvent>;
  ping(): Promise<void>;
}
