import type { AiTaskInput, StreamingTaskName, TokenUsage } from '../../domain/ai-tasks';
import { Aborted } from '../../domain/errors';
import { ruleBasedAppraisal } from '../../domain/rule-appraisal';
import { scriptedOptions, scriptedReply, scriptedSummary, scriptedText } from '../../domain/scripted-lines';
import { scriptedMemories } from '../../domain/memory';
import type { AiProvider, ProviderCallOptions, StructuredTaskName, TextChunk } from '../../ports/ai-provider';
import { estimateTokens } from './prompts';

function usageOf(prompt: unknown, completion: string): TokenUsage {
  const p = estimateTokens(JSON.stringify(prompt));
  const c = estimateTokens(completion);
  return { prompt: p, completion: c, total: p + c };
}

/** Splits text into groups of a few words, keeping the spaces so the chunks join back exactly. */
export function wordChunks(text: string, wordsPerChunk = 3): string[] {
  const words = text.match(/\S+\s*/g) ?? [];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk) chunks.push(words.slice(i, i + wordsPerChunk).join(''));
  const lead = text.match(/^\s+/)?.[0];
  if (lead && chunks.length > 0) chunks[0] = lead + chunks[0];
  return chunks;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Aborted('aborted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Aborted('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The offline provider: seeded lines and rule-based structured answers, no network. Streams in
 * word groups with a small delay so a client sees a real stream (`chunkDelayMs: 0` for benchmarks).
 */
export class ScriptedProvider implements AiProvider {
  readonly name = 'scripted';
  readonly model = 'scripted-v1';
  private readonly chunkDelayMs: number;

  constructor(options: { chunkDelayMs?: number | undefined } = {}) {
    this.chunkDelayMs = options.chunkDelayMs ?? 15;
  }

  async *streamText<T extends StreamingTaskName>(
    task: T,
    input: AiTaskInput<T>,
    options: ProviderCallOptions,
  ): AsyncIterable<TextChunk> {
    const text =
      task === 'dialogue.reply'
        ? scriptedReply(input as AiTaskInput<'dialogue.reply'>)
        : scriptedText(input as AiTaskInput<'text.generate'>);
    const chunks = wordChunks(text);
    for (const [i, chunk] of chunks.entries()) {
      if (options.signal?.aborted) throw new Aborted('aborted');
      if (i > 0 && this.chunkDelayMs > 0) await sleep(this.chunkDelayMs, options.signal);
      yield { text: chunk };
    }
    yield { finish: 'stop' };
    yield { usage: usageOf(input, text) };
  }

  async generateJson<T extends StructuredTaskName>(
    task: T,
    input: AiTaskInput<T>,
    _jsonSchema: Record<string, unknown>,
    options: ProviderCallOptions,
  ): Promise<{ value: unknown; usage: TokenUsage }> {
    if (options.signal?.aborted) throw new Aborted('aborted');
    const value =
      task === 'dialogue.appraise'
        ? ruleBasedAppraisal(input as AiTaskInput<'dialogue.appraise'>)
        : task === 'dialogue.options'
          ? scriptedOptions(input as AiTaskInput<'dialogue.options'>)
          : task === 'dialogue.remember'
            ? scriptedMemories(input as AiTaskInput<'dialogue.remember'>)
            : scriptedSummary(input as AiTaskInput<'dialogue.summarize'>);
    return { value, usage: usageOf(input, JSON.stringify(value)) };
  }

  async ping(): Promise<void> {}
}
