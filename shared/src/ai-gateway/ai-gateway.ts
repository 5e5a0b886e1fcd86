import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  AI_TASKS,
  type AiCallMeta,
  type AiTaskInput,
  type AiTaskName,
  type AiTaskOutput,
  type StreamingTaskName,
  type TokenUsage,
} from '../domain/ai-tasks';
import { AiFailed, Aborted, BadRequest, ParleyError, UnknownTask } from '../domain/errors';
import { buildEvent, TraceparentSchema } from '../domain/events';
import type { Logger } from '../http/logger';
import { parseInput } from '../http/validate';
import type { AiCallOptions, AiClient, AiStreamEvent } from '../ports/ai-client';
import type { AiProvider, StructuredTaskName } from '../ports/ai-provider';
import type { EventPublisher } from '../ports/event-publisher';
import type { MetricsRecorder } from '../ports/metrics';

const NO_USAGE: TokenUsage = { prompt: 0, completion: 0, total: 0 };
const addUsage = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  prompt: a.prompt + b.prompt,
  completion: a.completion + b.completion,
  total: a.total + b.total,
});

export function taskSpec(task: string) {
  if (!Object.hasOwn(AI_TASKS, task)) {
    throw new UnknownTask(`no AI task "${task}"`, { details: { tasks: Object.keys(AI_TASKS) } });
  }
  return AI_TASKS[task as AiTaskName];
}

/** JSON schemas of the structured outputs, made once: providers with JSON modes constrain the model with them. */
const jsonSchemas = new Map<AiTaskName, Record<string, unknown>>();
function outputJsonSchema(task: AiTaskName): Record<string, unknown> {
  let schema = jsonSchemas.get(task);
  if (!schema) {
    const { $schema: _drop, ...rest } = z.toJSONSchema(AI_TASKS[task].output) as Record<string, unknown>;
    schema = rest;
    jsonSchemas.set(task, schema);
  }
  return schema;
}

function asParleyError(err: unknown): ParleyError {
  return err instanceof ParleyError ? err : new AiFailed(`AI provider failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

type CallRecord = { provider: AiProvider; usage: TokenUsage; fallback: boolean };

/**
 * The AI gateway's service: the one place that checks a task's input, asks the provider, and makes
 * sure only schema-valid output leaves (retry once, then the rule-based fallback). Every call, good
 * or bad, is reported as an `analytics.logging` event without making the caller wait for the broker.
 */
export class AiGateway implements AiClient {
  private readonly provider: AiProvider;
  private readonly fallback: AiProvider;
  private readonly publisher: EventPublisher | undefined;
  private readonly metrics: MetricsRecorder | undefined;
  private readonly source: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly pending = new Set<Promise<void>>();

  constructor(options: {
    provider: AiProvider;
    /** The scripted provider: answers structured tasks by rules when the model's output is unusable. */
    fallback: AiProvider;
    publisher?: EventPublisher;
    metrics?: MetricsRecorder;
    source: string;
    logger: Logger;
    now?: () => number;
    newId?: () => string;
  }) {
    this.provider = options.provider;
    this.fallback = options.fallback;
    this.publisher = options.publisher;
    this.metrics = options.metrics;
    this.source = options.source;
    this.logger = options.logger;
    this.now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.newId = options.newId ?? randomUUID;
  }

  async run<T extends AiTaskName>(task: T, input: AiTaskInput<T>, options: AiCallOptions = {}): Promise<{ output: AiTaskOutput<T>; meta: AiCallMeta }> {
    const spec = taskSpec(task);
    if (spec.streams) {
      for await (const event of this.stream(task as StreamingTaskName, input as AiTaskInput<StreamingTaskName>, options)) {
        if (event.type === 'done') return { output: event.output as AiTaskOutput<T>, meta: event.meta };
      }
      throw new AiFailed(`AI task ${task} ended without an answer`);
    }
    const parsed = parseInput(spec.input, input, 'input') as AiTaskInput<T>;
    const started = this.now();
    const record: CallRecord = { provider: this.provider, usage: NO_USAGE, fallback: false };
    let ok = false;
    try {
      const output = await this.structured(task as StructuredTaskName, parsed as AiTaskInput<StructuredTaskName>, options, record);
      ok = true;
      return { output: output as AiTaskOutput<T>, meta: this.meta(record, started) };
    } catch (err) {
      throw asParleyError(err);
    } finally {
      this.report(task, parsed, options, record, started, ok);
    }
  }

  async *stream<T extends StreamingTaskName>(task: T, input: AiTaskInput<T>, options: AiCallOptions = {}): AsyncGenerator<AiStreamEvent<T>> {
    const spec = taskSpec(task);
    if (!spec.streams) throw new BadRequest(`AI task ${task} does not stream`);
    const parsed = parseInput(spec.input, input, 'input') as AiTaskInput<T>;
    const started = this.now();
    const record: CallRecord = { provider: this.provider, usage: NO_USAGE, fallback: false };
    // The output schema's length limit: the stream stops there, so deltas and output always agree.
    const maxChars = spec.output.shape.text.maxLength ?? Number.POSITIVE_INFINITY;
    let ok = false;
    try {
      if (options.signal?.aborted) throw new Aborted('aborted');
      let text = '';
      for (const provider of [this.provider, this.fallback]) {
        record.fallback = provider !== this.provider;
        for await (const chunk of provider.streamText(task, parsed, { signal: options.signal })) {
          if (chunk.usage) record.usage = addUsage(record.usage, chunk.usage);
          if (!chunk.text || text.length >= maxChars) continue;
          const piece = chunk.text.slice(0, maxChars - text.length);
          text += piece;
          yield { type: 'delta', text: piece };
        }
        // A model that says nothing at all gets the scripted line instead: nothing was streamed yet.
        if (text.trim().length > 0) break;
      }
      const output = spec.output.safeParse({ text });
      if (!output.success) throw new AiFailed(`AI task ${task} produced no usable text`);
      ok = true;
      yield { type: 'done', output: output.data as AiTaskOutput<T>, meta: this.meta(record, started) };
    } catch (err) {
      throw asParleyError(err);
    } finally {
      this.report(task, parsed, options, record, started, ok);
    }
  }

  async ping(): Promise<void> {
    await this.provider.ping();
  }

  /** Waits for the analytics events still being published (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async structured<T extends StructuredTaskName>(task: T, input: AiTaskInput<T>, options: AiCallOptions, record: CallRecord): Promise<unknown> {
    const schema = AI_TASKS[task].output;
    const jsonSchema = outputJsonSchema(task);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const answer = await this.provider.generateJson(task, input, jsonSchema, { signal: options.signal });
      record.usage = addUsage(record.usage, answer.usage);
      const checked = schema.safeParse(answer.value);
      if (checked.success) return checked.data;
      this.logger.warn({ task, attempt, provider: this.provider.name, issues: checked.error.issues.slice(0, 3) }, 'AI output failed its schema');
    }
    const answer = await this.fallback.generateJson(task, input, jsonSchema, { signal: options.signal });
    record.usage = addUsage(record.usage, answer.usage);
    record.fallback = true;
    // The fallback is rules we wrote: if it ever breaks its own schema that is our bug, said loudly.
    const checked = schema.safeParse(answer.value);
    if (!checked.success) throw new AiFailed(`fallback answer for ${task} failed its schema`, { cause: checked.error });
    return checked.data;
  }

  /** The meta names the primary provider; `fallback` says when the answer came from the rules instead. */
  private meta(record: CallRecord, started: number): AiCallMeta {
    return {
      provider: record.provider.name,
      model: record.provider.model,
      latencyMs: Math.max(0, Math.round(this.now() - started)),
      usage: record.usage,
      fallback: record.fallback,
    };
  }

  private report(task: AiTaskName, input: unknown, options: AiCallOptions, record: CallRecord, started: number, ok: boolean): void {
    const meta = this.meta(record, started);
    this.metrics?.aiCall({ provider: meta.provider, task, ok, seconds: meta.latencyMs / 1000, tokens: meta.usage });
    if (!this.publisher) return;
    const fields = input as { dialogueId?: string; character?: { id: string } };
    const event = buildEvent({
      id: this.newId(),
      type: 'analytics.logging',
      source: this.source,
      time: new Date(this.now()).toISOString(),
      ...(fields.dialogueId ? { subject: fields.dialogueId } : {}),
      // A malformed traceparent from a caller is dropped rather than put on an event.
      ...(TraceparentSchema.safeParse(options.traceparent).success ? { traceparent: options.traceparent } : {}),
      data: {
        task,
        provider: meta.provider,
        model: meta.model,
        latencyMs: meta.latencyMs,
        tokens: meta.usage,
        ok,
        fallback: meta.fallback,
        ...(fields.dialogueId ? { dialogueId: fields.dialogueId } : {}),
        ...(fields.character ? { characterId: fields.character.id } : {}),
      },
    });
    // Analytics must never slow down or fail a player's turn: publish in the background.
    const sending = this.publisher.publish([event]).catch((err: unknown) => {
      this.logger.warn({ err, task, eventId: event.id }, 'could not publish AI analytics event');
    });
    this.pending.add(sending);
    void sending.finally(() => this.pending.delete(sending));
  }
}
