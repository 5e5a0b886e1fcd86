import path from 'node:path';
import type * as NodeLlamaCpp from 'node-llama-cpp';
import type { Llama, LlamaContext, LlamaContextSequence, LlamaGrammar, LlamaModel, Token } from 'node-llama-cpp';
import type { AiTaskInput, StreamingTaskName, TokenUsage } from '../../domain/ai-tasks';
import { Aborted, AiFailed, AiTimeout, AiUnavailable, ParleyError } from '../../domain/errors';
import type { Logger } from '../../ports/logger';
import type {
  AiProvider,
  FinishReason,
  ProviderCallOptions,
  StructuredTaskName,
  TextChunk,
} from '../../ports/ai-provider';
import { toChatHistory, toCompletionPrompt } from './llama-prompt';
import { buildMessages } from './prompts';
import { SequenceSlots } from './sequence-slots';

type Bindings = typeof NodeLlamaCpp;

export type LlamaProviderOptions = {
  /** A GGUF file (for a download, where it will be once `prepareModel` resolved). */
  modelPath: string;
  /** Run before the model loads, in the background with it (e.g. a download); resolves with the file. */
  prepareModel?: () => Promise<string>;
  /** llama.cpp's threads (see `llamaThreads`: the cores available minus one for the event loop). */
  threads: number;
  /** Tokens of context per sequence; capped by what the model was trained for. */
  contextSize: number;
  gpu: 'auto' | false;
  /** Sequences generating at once. */
  parallel: number;
  /** Calls allowed to wait for a sequence; more are refused with 503. */
  queueLimit: number;
  /** A call (queueing included) that takes longer fails with AiTimeout. */
  timeoutMs: number;
  /** Longest reply, in tokens (`text.generate` may ask for its own). */
  maxTokens: number;
  logger?: Logger | undefined;
  /**
   * How node-llama-cpp (ESM-only, top-level await) is loaded. The default is a real `import()` that
   * survives esbuild's cjs output, which would otherwise turn it into a `require()`.
   */
  importModule?: (specifier: string) => Promise<unknown>;
};

// A real dynamic import: esbuild (format cjs) and swc rewrite a literal `import()` into `require()`.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

type Loaded = {
  bindings: Bindings;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  chatTemplate: boolean;
  idle: LlamaContextSequence[];
};

/**
 * A GGUF model run in this process by llama.cpp (node-llama-cpp). Loaded once, in the background:
 * `ping` fails until it is. Each call takes one of the context's sequences (`parallel`), waits for
 * one within `queueLimit`, and gives it back (history cleared, so its KV cache is freed) when it
 * ends, fails or is aborted. Structured tasks are generated under a grammar made from the JSON schema.
 */
export class LlamaProvider implements AiProvider {
  readonly name = 'llama';
  readonly model: string;
  readonly replyMaxTokens: number;
  readonly contextTokens: number;
  private readonly options: LlamaProviderOptions;
  private readonly slots: SequenceSlots;
  private readonly loading: Promise<Loaded>;
  private loaded: Loaded | undefined;
  private loadError: Error | undefined;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(options: LlamaProviderOptions) {
    this.options = options;
    this.replyMaxTokens = options.maxTokens;
    this.contextTokens = options.contextSize;
    this.model = path.basename(options.modelPath).replace(/\.gguf$/i, '');
    this.slots = new SequenceSlots(options.parallel, options.queueLimit);
    this.loading = this.load();
    this.loading.then(
      (loaded) => {
        this.loaded = loaded;
        options.logger?.info(
          {
            model: this.model,
            gpu: loaded.llama.gpu,
            threads: options.threads,
            contextSize: loaded.context.contextSize,
            parallel: options.parallel,
            chatTemplate: loaded.chatTemplate,
          },
          'local model loaded',
        );
      },
      (err: unknown) => {
        this.loadError = err instanceof Error ? err : new Error(String(err));
        options.logger?.error({ err, modelPath: options.modelPath }, 'local model failed to load');
      },
    );
  }

  /** Sequences in use and calls waiting, for tests and metrics. */
  get stats(): { inUse: number; queued: number } {
    return { inUse: this.slots.inUse, queued: this.slots.queued };
  }

  async ping(): Promise<void> {
    if (this.loaded) return;
    if (this.loadError) throw new AiUnavailable(`the local model failed to load: ${this.loadError.message}`);
    throw new AiUnavailable('the local model is still loading');
  }

  async *streamText<T extends StreamingTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options: ProviderCallOptions,
  ): AsyncIterable<TextChunk> {
    const maxTokens =
      task === 'text.generate'
        ? ((input as AiTaskInput<'text.generate'>).maxTokens ?? this.options.maxTokens)
        : this.options.maxTokens;
    const seed = (input as { seed?: number }).seed;
    const stop = options.stop ?? [];
    yield* this.generate(task, input, { maxTokens, temperature: 0.8, stop, seed }, options.signal);
  }

  async generateJson<T extends StructuredTaskName>(
    task: T,
    input: AiTaskInput<T>,
    jsonSchema: Record<string, unknown>,
    options: ProviderCallOptions,
  ): Promise<{ value: unknown; usage: TokenUsage }> {
    const loaded = await this.ready();
    const grammar = await this.grammarFor(loaded, jsonSchema);
    const seed = (input as { seed?: number }).seed;
    let text = '';
    let usage: TokenUsage = { prompt: 0, completion: 0, total: 0 };
    for await (const chunk of this.generate(
      task,
      input,
      { maxTokens: 2 * this.options.maxTokens, temperature: 0.3, grammar, seed },
      options.signal,
    )) {
      if (chunk.text) text += chunk.text;
      if (chunk.usage) usage = chunk.usage;
    }
    try {
      return { value: JSON.parse(text), usage };
    } catch {
      // Cut off by maxTokens, say: handed on as text, the gateway's schema check rejects it.
      return { value: text, usage };
    }
  }

  private async ready(): Promise<Loaded> {
    try {
      return await this.loading;
    } catch (err) {
      throw new AiUnavailable(`the local model failed to load: ${(err as Error).message}`, { cause: err });
    }
  }

  private async load(): Promise<Loaded> {
    const bindings = (await (this.options.importModule ?? importEsm)('node-llama-cpp')) as Bindings;
    const { threads, gpu } = this.options;
    // build 'never': use the prebuilt binaries; never compile llama.cpp inside a serving pod.
    const llama = await bindings.getLlama({
      gpu,
      build: 'never',
      maxThreads: threads,
      logLevel: bindings.LlamaLogLevel.error,
      progressLogs: false,
    });
    const modelPath = this.options.prepareModel ? await this.options.prepareModel() : this.options.modelPath;
    const model = await llama.loadModel({ modelPath, ...(gpu === false ? { gpuLayers: 0 } : {}) });
    const context = await model.createContext({
      sequences: this.options.parallel,
      contextSize: Math.min(this.options.contextSize, model.trainContextSize),
      threads,
    });
    const chatTemplate = typeof model.fileInfo.metadata?.tokenizer?.chat_template === 'string';
    // Sequences are taken once and reused: a disposed one is not reliably back in the context at once.
    const idle = Array.from({ length: this.options.parallel }, () => context.getSequence());
    return { bindings, llama, model, context, chatTemplate, idle };
  }

  private grammarFor(loaded: Loaded, jsonSchema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = JSON.stringify(jsonSchema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = loaded.llama.createGrammarForJsonSchema(jsonSchema as never) as Promise<LlamaGrammar>;
      grammar.catch(() => this.grammars.delete(key));
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  /** One generation on its own sequence, its text chunks as they come, then one usage chunk. */
  private async *generate(
    task: StreamingTaskName | StructuredTaskName,
    input: AiTaskInput<StreamingTaskName | StructuredTaskName>,
    settings: {
      maxTokens: number;
      temperature: number;
      seed?: number | undefined;
      grammar?: LlamaGrammar;
      stop?: readonly string[];
    },
    outer: AbortSignal | undefined,
  ): AsyncGenerator<TextChunk> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    const onOuterAbort = () => controller.abort();
    if (outer?.aborted) controller.abort();
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    const translate = (err: unknown): ParleyError => {
      if (outer?.aborted) return new Aborted('the caller went away', { cause: err });
      if (timedOut)
        return new AiTimeout(`the local model did not finish within ${this.options.timeoutMs} ms`, { cause: err });
      if (err instanceof ParleyError) return err;
      return new AiFailed('the local model failed', { cause: err, upstream: (err as Error)?.message ?? String(err) });
    };

    let release: (() => void) | undefined;
    let loaded: Loaded | undefined;
    let sequence: LlamaContextSequence | undefined;
    let running: Promise<void> | undefined;
    try {
      loaded = await this.ready();
      release = await this.slots.acquire(controller.signal);
      // The slots hold at most `parallel` callers, so an idle sequence is always there.
      sequence = loaded.idle.pop()!;
      const current = loaded;
      // The meter counts over the sequence's life; this call's usage is the difference.
      const inputBefore = sequence.tokenMeter.usedInputTokens;
      const pending: string[] = [];
      let wake: (() => void) | undefined;
      let finished = false;
      let failure: unknown;
      let completionTokens = 0;
      let reasoningChars = 0;
      let finish: FinishReason = 'stop';
      const common = {
        signal: controller.signal,
        stopOnAbortSignal: false,
        maxTokens: settings.maxTokens,
        temperature: settings.temperature,
        ...(settings.seed === undefined ? {} : { seed: settings.seed }),
        ...(settings.grammar ? { grammar: settings.grammar } : {}),
        onTextChunk: (text: string) => {
          pending.push(text);
          wake?.();
        },
        onToken: (tokens: Token[]) => {
          completionTokens += tokens.length;
        },
        // A chat model's thoughts come apart from its text: counted, never passed on.
        onResponseChunk: (chunk: { type?: string; text: string }) => {
          if (chunk.type === 'segment') reasoningChars += chunk.text.length;
        },
      };
      running = this.run(current, sequence, task, input, common, settings.stop ?? []).then(
        (stopReason) => {
          if (stopReason === 'maxTokens') finish = 'length';
          finished = true;
          wake?.();
        },
        (err: unknown) => {
          failure = err;
          finished = true;
          wake?.();
        },
      );
      let tokensReported = 0;
      for (;;) {
        if (pending.length > 0) {
          // Everything the model wrote while the consumer was busy goes as one chunk: one pass of the
          // gateway's filter and one delta, not one per token.
          const text = pending.length === 1 ? pending[0]! : pending.join('');
          pending.length = 0;
          if (text) {
            // The gateway's filter counts tokens against the budget: give it the exact count.
            yield { text, tokens: Math.max(0, completionTokens - tokensReported) };
            tokensReported = completionTokens;
          }
          continue;
        }
        if (finished) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      if (failure !== undefined) throw failure;
      if (reasoningChars > 0) yield { reasoningChars };
      yield { finish };
      const prompt = sequence.tokenMeter.usedInputTokens - inputBefore;
      const completion = completionTokens;
      yield { usage: { prompt, completion, total: prompt + completion } };
    } catch (err) {
      throw translate(err);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
      // A consumer that stopped early (client gone): stop the model, then free its sequence.
      controller.abort();
      // In the background: the caller's answer does not wait for the sequence to be cleared; the next
      // caller does, since the slot is given back only once it is.
      void this.recycle(running, loaded && sequence ? { loaded, sequence } : undefined, release);
    }
  }

  /** Once the generation has stopped: clears the sequence's history (freeing its KV cache), returns it, frees the slot. */
  private async recycle(
    running: Promise<void> | undefined,
    taken: { loaded: Loaded; sequence: LlamaContextSequence } | undefined,
    release: (() => void) | undefined,
  ): Promise<void> {
    try {
      await running;
      if (taken) {
        await taken.sequence.clearHistory().catch(() => undefined);
        taken.loaded.idle.push(taken.sequence);
      }
    } finally {
      release?.();
    }
  }

  /** Generates into `options`' callbacks; resolves with node-llama-cpp's stop reason. */
  private async run(
    loaded: Loaded,
    sequence: LlamaContextSequence,
    task: StreamingTaskName | StructuredTaskName,
    input: AiTaskInput<StreamingTaskName | StructuredTaskName>,
    options: Record<string, unknown>,
    stop: readonly string[],
  ): Promise<string> {
    const messages = buildMessages(task, input);
    const structured = task !== 'dialogue.reply' && task !== 'text.generate';
    if (loaded.chatTemplate) {
      const chat = new loaded.bindings.LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
      try {
        const response = await chat.generateResponse(toChatHistory(messages) as never, {
          ...options,
          ...(structured || stop.length === 0 ? {} : { customStopTriggers: [...stop] }),
        });
        return response.metadata.stopReason;
      } finally {
        chat.dispose();
      }
    }
    const character = (input as { character?: { name: string } }).character?.name ?? 'Assistant';
    const labels = { player: 'Player', character };
    const cue = structured ? 'JSON:' : task === 'text.generate' ? '' : `${character}:`;
    const completion = new loaded.bindings.LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
    try {
      const response = await completion.generateCompletionWithMeta(toCompletionPrompt(messages, labels, cue), {
        ...options,
        // One spoken line: stop where the model starts writing the player's part or a new paragraph.
        ...(structured ? {} : { customStopTriggers: [...new Set([`\n${labels.player}:`, '\n\n', ...stop])] }),
      });
      return response.metadata.stopReason;
    } finally {
      completion.dispose();
    }
  }
}
