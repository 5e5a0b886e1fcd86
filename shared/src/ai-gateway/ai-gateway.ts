import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  AI_TASKS,
  type AiCallMeta,
  type CharacterBrief,
  type AiTaskInput,
  type AiTaskName,
  type AiTaskOutput,
  type StreamingTaskName,
  type TokenUsage,
} from '../domain/ai-tasks';
import {
  AiFailed,
  AiTimeout,
  AiUnavailable,
  Aborted,
  BadRequest,
  CONTEXT_LENGTH_EXCEEDED,
  ParleyError,
  UnknownTask,
} from '../domain/errors';
import type { Turn } from '../domain/dialogue';
import { buildEvent, TraceparentSchema } from '../domain/events';
import type { Logger } from '../ports/logger';
import { parsedWith, parseInput } from '../domain/parse-input';
import type { AiCallOptions, AiClient, AiStreamEvent } from '../ports/ai-client';
import type {
  AiProvider,
  FinishReason,
  ProviderCallOptions,
  StructuredTaskName,
  TextChunk,
} from '../ports/ai-provider';
import type { EventPublisher } from '../ports/event-publisher';
import type { MetricsRecorder } from '../ports/metrics';
import { PLAYER_TURN_STOPS, ReplyFilter, type ReplyFilterOptions } from './reply-filter';
import { fitHistory } from './context-budget';
import { guardStructured } from './structured-guard';
import { DialogueTurnInputSchema, type DialogueTurnEvent, type DialogueTurnInput } from '../domain/dialogue-turn';
import { runTurnSteps } from './dialogue-turn-steps';

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
  return err instanceof ParleyError
    ? err
    : new AiFailed('the AI provider failed', { cause: err, upstream: (err as Error)?.message ?? String(err) });
}

/**
 * The reply filter's settings for a streamed task: the character's name, secrets and allowed
 * secrets (replies), the player's turn as stop sequences, and the provider's token budget.
 */
function replyFilterOptions(task: string, input: unknown, provider: AiProvider, maxChars: number): ReplyFilterOptions {
  const character = (input as { character?: CharacterBrief }).character;
  const maxTokens =
    task === 'text.generate'
      ? ((input as { maxTokens?: number }).maxTokens ?? provider.replyMaxTokens)
      : provider.replyMaxTokens;
  return {
    maxChars,
    stopSequences: PLAYER_TURN_STOPS,
    tokenBudget: maxTokens,
    ...(character
      ? { speaker: character.name, secrets: character.secrets, allowedSecrets: character.allowedSecrets ?? [] }
      : {}),
  };
}

/** The window is fitted once as configured, then, if the server still says the prompt is too long, once at 70 %. */
const CONTEXT_TRIES = [1, 0.7] as const;
const DEFAULT_REPLY_TOKENS = 400;
/** What a structured answer may take of the window (appraisal, options, summary). */
const STRUCTURED_ANSWER_TOKENS = 512;

function contextTooLong(err: unknown): boolean {
  return (
    err instanceof AiFailed && (err.details as { reason?: unknown } | undefined)?.reason === CONTEXT_LENGTH_EXCEEDED
  );
}

/** The model server's own words about a failure: for the log and analytics, never for the player. */
function upstreamDetail(err: unknown): string | undefined {
  return err instanceof ParleyError ? err.upstream : undefined;
}

/** The provider that answered (or was tried last), and the ones of the chain that failed before it. */
type CallRecord = {
  provider: AiProvider;
  usage: TokenUsage;
  fallback: boolean;
  fallbackFrom: string[];
  secretsStripped: number;
  reasoningChars: number;
  oldestTurnKept?: number | undefined;
};

/** A provider that is down, slow or broken hands the call to the next one of the chain; an aborted call stops. */
const failsOver = (err: unknown) => err instanceof AiUnavailable || err instanceof AiTimeout || err instanceof AiFailed;

/**
 * The AI gateway's service: the one place that checks a task's input, asks the provider, and makes
 * sure only schema-valid output leaves (retry once, then the rule-based fallback). Providers form a
 * chain (AI_PROVIDER=openai,scripted): one that fails (AiUnavailable / AiTimeout / AiFailed, after its
 * own bounded retries) hands the call to the next, as long as no text of it has been streamed yet;
 * when the last one fails the call fails. Every call, good or bad, is reported as an
 * `analytics.logging` event (one per provider tried) without making the caller wait for the broker.
 */
export class AiGateway implements AiClient {
  private readonly providers: readonly [AiProvider, ...AiProvider[]];
  private readonly fallback: AiProvider;
  private readonly publisher: EventPublisher | undefined;
  private readonly metrics: MetricsRecorder | undefined;
  private readonly source: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly pending = new Set<Promise<void>>();
  /**
   * Step inputs that `turn` built from a turn input it has just validated: `planTurn` derives them by
   * pure code, so parsing them again (character, history and all, three or four times a turn) would
   * only re-check our own output.
   */
  private readonly planned = new WeakSet<object>();

  constructor(options: {
    /** One provider, or the chain tried in order. */
    provider: AiProvider | readonly AiProvider[];
    /** The scripted provider: answers structured tasks by rules when the model's output is unusable. */
    fallback: AiProvider;
    publisher?: EventPublisher | undefined;
    metrics?: MetricsRecorder;
    source: string;
    logger: Logger;
    now?: () => number;
    newId?: () => string;
  }) {
    const chain = Array.isArray(options.provider)
      ? [...(options.provider as readonly AiProvider[])]
      : [options.provider as AiProvider];
    if (chain.length === 0) throw new Error('AiGateway: at least one provider');
    this.providers = chain as [AiProvider, ...AiProvider[]];
    this.fallback = options.fallback;
    this.publisher = options.publisher;
    this.metrics = options.metrics;
    this.source = options.source;
    this.logger = options.logger;
    this.now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.newId = options.newId ?? randomUUID;
  }

  async run<T extends AiTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options: AiCallOptions = {},
  ): Promise<{ output: AiTaskOutput<T>; meta: AiCallMeta }> {
    const spec = taskSpec(task);
    if (spec.streams) {
      for await (const event of this.stream(
        task as StreamingTaskName,
        input as AiTaskInput<StreamingTaskName>,
        options,
      )) {
        if (event.type === 'done') return { output: event.output as AiTaskOutput<T>, meta: event.meta };
      }
      throw new AiFailed(`AI task ${task} ended without an answer`);
    }
    const parsed = this.checked(spec.input, input) as AiTaskInput<T>;
    const clock = { started: this.now() };
    const record = this.newRecord();
    let ok = false;
    let failure: ParleyError | undefined;
    try {
      const output = await this.structured(
        task as StructuredTaskName,
        parsed as AiTaskInput<StructuredTaskName>,
        options,
        record,
        clock,
      );
      ok = true;
      return { output: output as AiTaskOutput<T>, meta: this.meta(record, clock.started) };
    } catch (err) {
      failure = this.failed(task, record, err);
      throw failure;
    } finally {
      this.report(task, parsed, options, record, clock.started, ok, failure?.code, failure?.upstream);
    }
  }

  async *stream<T extends StreamingTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options: AiCallOptions = {},
  ): AsyncGenerator<AiStreamEvent<T>> {
    const spec = taskSpec(task);
    if (!spec.streams) throw new BadRequest(`AI task ${task} does not stream`);
    const parsed = this.checked(spec.input, input) as AiTaskInput<T>;
    const clock = { started: this.now() };
    const record = this.newRecord();
    // The output schema's length limit: the stream stops there, so deltas and output always agree.
    const maxChars = spec.output.shape.text.maxLength ?? Number.POSITIVE_INFINITY;
    let ok = false;
    let failure: ParleyError | undefined;
    try {
      if (options.signal?.aborted) throw new Aborted('aborted');
      let text = '';
      // The chain, then the scripted line for a model that said nothing at all (nothing was streamed yet).
      const attempts = [
        ...this.providers.map((provider) => ({ provider, silentFallback: false })),
        { provider: this.fallback, silentFallback: true },
      ];
      for (const [index, { provider, silentFallback }] of attempts.entries()) {
        if (index > 0) record.fallback = true;
        if (!silentFallback) record.provider = provider;
        // Every provider's text passes the same filter: a delta only carries text that stays.
        const filter = new ReplyFilter(replyFilterOptions(task, parsed, provider, maxChars));
        let said = false;
        try {
          let finish: FinishReason | undefined;
          for await (const chunk of this.fittedStream(
            task,
            parsed,
            provider,
            { signal: options.signal, stop: PLAYER_TURN_STOPS },
            record,
          )) {
            if (chunk.usage) record.usage = addUsage(record.usage, chunk.usage);
            if (chunk.reasoningChars) filter.reasoning(chunk.reasoningChars);
            if (chunk.finish) finish = chunk.finish;
            if (chunk.text) {
              const piece = filter.push(chunk.text, chunk.tokens);
              if (piece) {
                said = true;
                text += piece;
                yield { type: 'delta', text: piece };
              }
            }
            // Cut (the model wrote the player's part): the rest is not needed.
            if (filter.done) break;
          }
          const end = filter.finish(filter.done && filter.stats.cut !== 'max-chars' ? 'stop' : (finish ?? 'stop'));
          record.secretsStripped += filter.stats.secretsStripped;
          record.reasoningChars += filter.stats.reasoningChars;
          if (!end.ok) {
            // A model that said nothing at all is answered by the next provider (the scripted line last).
            if (end.silent && !said) continue;
            throw new AiFailed(`AI task ${task}: ${end.reason}`);
          }
          if (end.text) {
            text += end.text;
            yield { type: 'delta', text: end.text };
          }
        } catch (err) {
          // Text already streamed cannot be unsaid: only a provider that has said nothing hands over.
          const next = attempts[index + 1];
          if (
            said ||
            silentFallback ||
            !next ||
            next.silentFallback ||
            !this.handOver(task, parsed, options, record, clock, err)
          )
            throw err;
          continue;
        }
        if (text.trim().length > 0) break;
      }
      const output = spec.output.safeParse({ text });
      if (!output.success) throw new AiFailed(`AI task ${task} produced no usable text`);
      ok = true;
      yield { type: 'done', output: output.data as AiTaskOutput<T>, meta: this.meta(record, clock.started) };
    } catch (err) {
      failure = this.failed(task, record, err);
      throw failure;
    } finally {
      this.report(task, parsed, options, record, clock.started, ok, failure?.code, failure?.upstream);
    }
  }

  /** `dialogue.turn`: the turn's tasks one after the other, each with its own checks, fallbacks and report. */
  async *turn(input: DialogueTurnInput, options: AiCallOptions = {}): AsyncGenerator<DialogueTurnEvent> {
    const planned: Pick<AiClient, 'run' | 'stream'> = {
      run: (task, stepInput, stepOptions) => {
        this.planned.add(stepInput);
        return this.run(task, stepInput, stepOptions);
      },
      stream: (task, stepInput, stepOptions) => {
        this.planned.add(stepInput);
        return this.stream(task, stepInput, stepOptions);
      },
    };
    const parsed = parsedWith(DialogueTurnInputSchema, input)
      ? input
      : parseInput(DialogueTurnInputSchema, input, 'input');
    yield* runTurnSteps(planned, parsed, options);
  }

  /**
   * A task's input, parsed unless `turn` planned it from an input it had parsed, or the caller (the
   * ai-generate route, which checks it to answer 400 before opening a stream) already parsed it.
   */
  private checked(schema: z.ZodType, input: unknown): unknown {
    return (typeof input === 'object' && input !== null && this.planned.has(input)) || parsedWith(schema, input)
      ? input
      : parseInput(schema, input, 'input');
  }

  /** The first provider of the chain is the one readiness waits for; the others are there for its outages. */
  async ping(): Promise<void> {
    await this.providers[0].ping();
  }

  /** Waits for the analytics events still being published (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async structured<T extends StructuredTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options: AiCallOptions,
    record: CallRecord,
    clock: { started: number },
  ): Promise<unknown> {
    const schema = AI_TASKS[task].output;
    const jsonSchema = outputJsonSchema(task);
    // A provider that answers, but not to the schema, is up: its bad output goes to the rules below,
    // not to the next provider of the chain.
    answering: for (const [index, provider] of this.providers.entries()) {
      record.provider = provider;
      for (let attempt = 1; attempt <= 2; attempt++) {
        let answer: { value: unknown; usage: TokenUsage };
        try {
          answer = await this.fittedJson(task, input, provider, jsonSchema, { signal: options.signal }, record);
        } catch (err) {
          if (index + 1 < this.providers.length && this.handOver(task, input, options, record, clock, err))
            continue answering;
          throw err;
        }
        record.usage = addUsage(record.usage, answer.usage);
        const checked = schema.safeParse(this.guard(task, input, answer.value, record));
        if (checked.success) return checked.data;
        this.logger.warn(
          { task, attempt, provider: provider.name, issues: checked.error.issues.slice(0, 3) },
          'AI output failed its schema',
        );
      }
      break;
    }
    const answer = await this.fallback.generateJson(task, input, jsonSchema, { signal: options.signal });
    record.usage = addUsage(record.usage, answer.usage);
    record.fallback = true;
    // The fallback is rules we wrote: if it ever breaks its own schema that is our bug, said loudly.
    const checked = schema.safeParse(this.guard(task, input, answer.value, record));
    if (!checked.success) throw new AiFailed(`fallback answer for ${task} failed its schema`, { cause: checked.error });
    return checked.data;
  }

  /** The typed error of a failed call, logged with the endpoint's own words (`upstream`) when it has them. */
  private failed(task: AiTaskName, record: CallRecord, err: unknown): ParleyError {
    const failure = asParleyError(err);
    if (failure.upstream)
      this.logger.warn(
        { task, provider: record.provider.name, code: failure.code, upstream: failure.upstream },
        'AI call failed',
      );
    return failure;
  }

  /**
   * The input with its history fitted into the provider's context window (oldest turns dropped
   * first; `shrink` < 1 after the server said the prompt did not fit), and the oldest turn kept.
   */
  private fit<I>(
    task: AiTaskName,
    input: I,
    provider: AiProvider,
    shrink: number,
  ): { input: I; oldestTurnKept?: number } {
    const history = (input as { history?: unknown }).history;
    if (!provider.contextTokens || !Array.isArray(history)) return { input };
    const maxTokens = taskSpec(task).streams
      ? (provider.replyMaxTokens ?? DEFAULT_REPLY_TOKENS)
      : STRUCTURED_ANSWER_TOKENS;
    const fitted = fitHistory(input as I & { history: Turn[] }, Math.floor(provider.contextTokens * shrink), maxTokens);
    if (fitted.dropped > 0)
      this.logger.debug(
        { task, provider: provider.name, dropped: fitted.dropped },
        'prompt fitted to the context window',
      );
    return {
      input: { ...input, history: fitted.history },
      ...(fitted.oldestTurnKept === undefined ? {} : { oldestTurnKept: fitted.oldestTurnKept }),
    };
  }

  /** The provider's stream of a fitted prompt; a server that says it does not fit gets one smaller try. */
  private async *fittedStream<T extends StreamingTaskName>(
    task: T,
    input: AiTaskInput<T>,
    provider: AiProvider,
    options: ProviderCallOptions,
    record: CallRecord,
  ): AsyncGenerator<TextChunk> {
    for (const shrink of CONTEXT_TRIES) {
      const fitted = this.fit(task, input, provider, shrink);
      record.oldestTurnKept = fitted.oldestTurnKept;
      let started = false;
      try {
        for await (const chunk of provider.streamText(task, fitted.input, options)) {
          started = true;
          yield chunk;
        }
        return;
      } catch (err) {
        if (started || shrink !== CONTEXT_TRIES[0] || !contextTooLong(err)) throw err;
        this.logger.warn(
          { task, provider: provider.name, upstream: upstreamDetail(err) },
          'the model server says the prompt does not fit; retrying with a smaller window',
        );
      }
    }
  }

  /** The provider's JSON answer to a fitted prompt; a server that says it does not fit gets one smaller try. */
  private async fittedJson<T extends StructuredTaskName>(
    task: T,
    input: AiTaskInput<T>,
    provider: AiProvider,
    jsonSchema: Record<string, unknown>,
    options: ProviderCallOptions,
    record: CallRecord,
  ): Promise<{ value: unknown; usage: TokenUsage }> {
    for (const shrink of CONTEXT_TRIES) {
      const fitted = this.fit(task, input, provider, shrink);
      record.oldestTurnKept = fitted.oldestTurnKept;
      try {
        return await provider.generateJson(task, fitted.input, jsonSchema, options);
      } catch (err) {
        if (shrink !== CONTEXT_TRIES[0] || !contextTooLong(err)) throw err;
        this.logger.warn(
          { task, provider: provider.name, upstream: upstreamDetail(err) },
          'the model server says the prompt does not fit; retrying with a smaller window',
        );
      }
    }
    throw new AiFailed(`AI task ${task}: the prompt does not fit the model's context`);
  }

  private newRecord(): CallRecord {
    return {
      provider: this.providers[0],
      usage: NO_USAGE,
      fallback: false,
      fallbackFrom: [],
      secretsStripped: 0,
      reasoningChars: 0,
    };
  }

  /** Structured answers pass the secrets guard too (options, summaries, appraisal reasons). */
  private guard(task: StructuredTaskName, input: unknown, value: unknown, record: CallRecord): unknown {
    const character = (input as { character?: CharacterBrief }).character;
    if (!character) return value;
    const guarded = guardStructured(task, value, character);
    record.secretsStripped += guarded.secretsStripped;
    return guarded.value;
  }

  /**
   * When `err` lets the call move on to the next provider: reports the failed provider's call, logs
   * it, and resets the record and the clock for the next one. False when the call must fail instead.
   */
  private handOver(
    task: AiTaskName,
    input: unknown,
    options: AiCallOptions,
    record: CallRecord,
    clock: { started: number },
    err: unknown,
  ): boolean {
    if (options.signal?.aborted || !failsOver(err)) return false;
    this.report(task, input, options, record, clock.started, false, (err as ParleyError).code, upstreamDetail(err));
    this.logger.warn(
      {
        task,
        provider: record.provider.name,
        code: (err as ParleyError).code,
        err: (err as Error).message,
        upstream: upstreamDetail(err),
      },
      'AI provider failed; trying the next one of the chain',
    );
    record.fallbackFrom.push(record.provider.name);
    record.fallback = true;
    record.usage = NO_USAGE;
    record.secretsStripped = 0;
    record.reasoningChars = 0;
    clock.started = this.now();
    return true;
  }

  /**
   * The meta names the provider that answered; `fallback` says the answer did not come from the first
   * provider as asked (an earlier one of the chain failed: `fallbackFrom`, or the rules answered).
   */
  private meta(record: CallRecord, started: number): AiCallMeta {
    return {
      provider: record.provider.name,
      model: record.provider.model,
      latencyMs: Math.max(0, Math.round(this.now() - started)),
      usage: record.usage,
      fallback: record.fallback,
      ...(record.fallbackFrom.length > 0 ? { fallbackFrom: [...record.fallbackFrom] } : {}),
      ...(record.oldestTurnKept === undefined ? {} : { oldestTurnKept: record.oldestTurnKept }),
    };
  }

  private report(
    task: AiTaskName,
    input: unknown,
    options: AiCallOptions,
    record: CallRecord,
    started: number,
    ok: boolean,
    errorCode?: string,
    errorDetail?: string,
  ): void {
    const meta = this.meta(record, started);
    this.metrics?.aiCall({ provider: meta.provider, task, ok, seconds: meta.latencyMs / 1000, tokens: meta.usage });
    if (!this.publisher) return;
    const fields = input as { dialogueId?: string; character?: { id: string } };
    // A malformed traceparent from a caller is dropped rather than put on an event.
    const traceparent = TraceparentSchema.safeParse(options.traceparent);
    const event = buildEvent({
      id: this.newId(),
      type: 'analytics.logging',
      source: this.source,
      time: new Date(this.now()).toISOString(),
      ...(fields.dialogueId ? { subject: fields.dialogueId } : {}),
      ...(traceparent.success ? { traceparent: traceparent.data } : {}),
      data: {
        task,
        provider: meta.provider,
        model: meta.model,
        latencyMs: meta.latencyMs,
        tokens: meta.usage,
        ok,
        fallback: meta.fallback,
        ...(meta.fallbackFrom ? { fallbackFrom: meta.fallbackFrom } : {}),
        ...(errorCode ? { error: errorCode } : {}),
        ...(errorDetail ? { errorDetail: errorDetail.slice(0, 500) } : {}),
        ...(record.secretsStripped > 0 ? { secretsStripped: record.secretsStripped } : {}),
        ...(record.reasoningChars > 0 ? { reasoningChars: record.reasoningChars } : {}),
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
