import { ScriptedProvider } from '../adapters/ai/scripted-provider';
import { InProcessEventBus } from '../adapters/memory/in-process-event-bus';
import type { StreamingTaskName, TokenUsage } from '../domain/ai-tasks';
import { Aborted, AiFailed, AiTimeout, AiUnavailable, BadRequest, UnknownTask } from '../domain/errors';
import type { ParleyEvent } from '../domain/events';
import { ruleBasedAppraisal } from '../domain/rule-appraisal';
import { createLogger } from '../observability/logger';
import type { AiStreamEvent } from '../ports/ai-client';
import type { AiProvider, TextChunk } from '../ports/ai-provider';
import { AiGateway } from './ai-gateway';
import { SAMPLE_DIALOGUE_ID, sampleAppraiseInput, sampleOptionsInput, sampleReplyInput } from './ai-task-fixtures';

const logger = createLogger('ai-gateway-test', 'silent');
const USAGE: TokenUsage = { prompt: 10, completion: 5, total: 15 };

/** A model that answers structured tasks with whatever it is told to, in order (no real LLM runs here). */
class CannedProvider implements AiProvider {
  readonly name = 'canned';
  readonly model = 'canned-1';
  jsonCalls = 0;
  constructor(
    private readonly answers: unknown[],
    private readonly chunks: TextChunk[] = [],
    private readonly failWith?: Error,
  ) {}
  async *streamText(): AsyncIterable<TextChunk> {
    if (this.failWith) throw this.failWith;
    yield* this.chunks;
  }
  async generateJson(): Promise<{ value: unknown; usage: TokenUsage }> {
    if (this.failWith) throw this.failWith;
    const value = this.answers[Math.min(this.jsonCalls, this.answers.length - 1)];
    this.jsonCalls++;
    return { value, usage: USAGE };
  }
  async ping(): Promise<void> {}
}

function setup(provider: AiProvider | AiProvider[] = new ScriptedProvider({ chunkDelayMs: 0 })) {
  const bus = new InProcessEventBus();
  const events: ParleyEvent[] = [];
  bus.subscribe(async (event) => {
    events.push(event);
  });
  let n = 0;
  const gateway = new AiGateway({
    provider,
    fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
    publisher: bus,
    source: '/parley/ai-generate',
    logger,
    newId: () => `evt-${++n}`,
  });
  return { gateway, events, bus };
}

async function collect<T extends StreamingTaskName>(stream: AsyncIterable<AiStreamEvent<T>>) {
  const events: AiStreamEvent<T>[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('AiGateway with the scripted provider', () => {
  test('streams the reply in several deltas that add up to the output', async () => {
    const { gateway } = setup();
    const events = await collect(gateway.stream('dialogue.reply', sampleReplyInput()));
    const deltas = events.filter((e) => e.type === 'delta');
    const done = events.at(-1);
    expect(deltas.length).toBeGreaterThan(2);
    expect(done?.type).toBe('done');
    if (done?.type !== 'done') return;
    expect(deltas.map((d) => d.text).join('')).toBe(done.output.text);
    expect(done.meta).toMatchObject({ provider: 'scripted', model: 'scripted-v1', fallback: false });
    expect(done.meta.usage.total).toBeGreaterThan(0);
  });

  test('run on a streaming task returns the whole text', async () => {
    const { gateway } = setup();
    const { output } = await gateway.run('dialogue.reply', sampleReplyInput());
    expect(output.text.length).toBeGreaterThan(10);
  });

  test('structured tasks answer with the rules', async () => {
    const { gateway } = setup();
    const input = sampleAppraiseInput();
    const { output, meta } = await gateway.run('dialogue.appraise', input);
    expect(output).toEqual(ruleBasedAppraisal(input));
    expect(meta.fallback).toBe(false);
    const options = await gateway.run('dialogue.options', sampleOptionsInput());
    expect(options.output.options).toHaveLength(3);
  });

  test('rejects invalid input with BadRequest and unknown tasks with UnknownTask', async () => {
    const { gateway } = setup();
    await expect(
      gateway.run('dialogue.appraise', { ...sampleAppraiseInput(), goalProgress: 7 }),
    ).rejects.toBeInstanceOf(BadRequest);
    await expect(gateway.run('nope' as 'dialogue.appraise', sampleAppraiseInput())).rejects.toBeInstanceOf(UnknownTask);
    await expect(
      collect(gateway.stream('dialogue.appraise' as 'dialogue.reply', sampleReplyInput())),
    ).rejects.toBeInstanceOf(BadRequest);
  });

  test('an aborted stream rejects with Aborted', async () => {
    const { gateway } = setup(new ScriptedProvider({ chunkDelayMs: 20 }));
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of gateway.stream('dialogue.reply', sampleReplyInput(), { signal: controller.signal })) {
          if (event.type === 'delta') seen.push(event.text);
          controller.abort();
        }
      })(),
    ).rejects.toBeInstanceOf(Aborted);
    expect(seen).toHaveLength(1);
  });
});

describe('AiGateway output validation', () => {
  const valid = ruleBasedAppraisal(sampleAppraiseInput({ strategy: { id: 'persuade', description: 'argue' } }));

  test('invalid output is retried once; a valid second answer is used', async () => {
    const provider = new CannedProvider([{ wrong: true }, valid]);
    const { gateway } = setup(provider);
    const { output, meta } = await gateway.run('dialogue.appraise', sampleAppraiseInput());
    expect(provider.jsonCalls).toBe(2);
    expect(output).toEqual(valid);
    expect(meta).toMatchObject({ provider: 'canned', fallback: false, usage: { total: 30 } });
  });

  test('invalid output twice falls back to the rule-based answer', async () => {
    const provider = new CannedProvider(['not json at all', { emotion: 'x' }]);
    const { gateway } = setup(provider);
    const input = sampleAppraiseInput();
    const { output, meta } = await gateway.run('dialogue.appraise', input);
    expect(provider.jsonCalls).toBe(2);
    expect(output).toEqual(ruleBasedAppraisal(input));
    expect(meta.fallback).toBe(true);
  });

  test('a model that streams no text gets the scripted line instead', async () => {
    const { gateway } = setup(new CannedProvider([], [{ text: '  ' }, { usage: USAGE }]));
    const events = await collect(gateway.stream('dialogue.reply', sampleReplyInput()));
    const done = events.at(-1);
    expect(done?.type === 'done' && done.meta.fallback).toBe(true);
    expect(done?.type === 'done' && done.output.text.trim().length).toBeGreaterThan(0);
  });

  test('a stream longer than the output schema allows ends at its last whole sentence within the limit; deltas and output agree', async () => {
    const long = 'One more word. '.repeat(300);
    const { gateway } = setup(new CannedProvider([], [{ text: long }, { text: long }]));
    const events = await collect(gateway.stream('dialogue.reply', sampleReplyInput()));
    const text = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
    const done = events.at(-1);
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(text.length).toBeGreaterThan(3900);
    expect(text.endsWith('word.')).toBe(true);
    expect(done?.type === 'done' && done.output.text).toBe(text);
  });

  test('a stream over the limit with no whole sentence fails rather than store half of one', async () => {
    const long = 'word '.repeat(1000);
    const { gateway } = setup(new CannedProvider([], [{ text: long }]));
    await expect(collect(gateway.stream('dialogue.reply', sampleReplyInput()))).rejects.toMatchObject({
      code: 'AiFailed',
    });
  });
});

describe('AiGateway analytics', () => {
  test('each call publishes an analytics.logging event tied to the dialogue', async () => {
    const { gateway, events } = setup();
    await gateway.run('dialogue.appraise', sampleAppraiseInput());
    await collect(gateway.stream('dialogue.reply', sampleReplyInput()));
    await gateway.drain();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      id: 'evt-1',
      type: 'analytics.logging',
      source: '/parley/ai-generate',
      subject: SAMPLE_DIALOGUE_ID,
      data: {
        task: 'dialogue.appraise',
        provider: 'scripted',
        model: 'scripted-v1',
        ok: true,
        fallback: false,
        dialogueId: SAMPLE_DIALOGUE_ID,
        characterId: 'captain-bram',
      },
    });
    expect(events[1]).toMatchObject({ id: 'evt-2', data: { task: 'dialogue.reply', ok: true } });
    expect((events[1]!.data as { tokens: TokenUsage }).tokens.total).toBeGreaterThan(0);
  });

  test('failed calls are reported too', async () => {
    const { gateway, events } = setup(new CannedProvider([], [], new AiUnavailable('down')));
    await expect(gateway.run('dialogue.appraise', sampleAppraiseInput())).rejects.toBeInstanceOf(AiUnavailable);
    await expect(collect(gateway.stream('dialogue.reply', sampleReplyInput()))).rejects.toBeInstanceOf(AiUnavailable);
    await gateway.drain();
    expect(events.map((e) => (e.data as { ok: boolean }).ok)).toEqual([false, false]);
  });

  test('a slow broker does not hold up the caller, and its failure does not fail the call', async () => {
    const bus = new InProcessEventBus();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    bus.subscribe(async () => {
      await held;
      throw new Error('broker said no');
    });
    const gateway = new AiGateway({
      provider: new ScriptedProvider({ chunkDelayMs: 0 }),
      fallback: new ScriptedProvider(),
      publisher: bus,
      source: '/parley/test',
      logger,
    });
    const { output } = await gateway.run('dialogue.appraise', sampleAppraiseInput());
    expect(output.reasons.length).toBeGreaterThan(0);
    release();
    await expect(gateway.drain()).resolves.toBeUndefined();
  });
});

describe('AiGateway with a provider chain', () => {
  /** Streams some text, then fails: a stream cut midway. */
  class CutProvider extends CannedProvider {
    override async *streamText(): AsyncIterable<TextChunk> {
      yield { text: 'Well, ' };
      throw new AiFailed('the stream was cut off');
    }
  }

  test('a provider that fails before saying anything hands the call to the next; analytics name both', async () => {
    const { gateway, events } = setup([
      new CannedProvider([], [], new AiUnavailable('down')),
      new ScriptedProvider({ chunkDelayMs: 0 }),
    ]);
    const done = (await collect(gateway.stream('dialogue.reply', sampleReplyInput()))).at(-1);
    expect(done).toMatchObject({
      type: 'done',
      meta: { provider: 'scripted', fallback: true, fallbackFrom: ['canned'] },
    });
    const { output } = await gateway.run('dialogue.appraise', sampleAppraiseInput());
    expect(output).toEqual(ruleBasedAppraisal(sampleAppraiseInput()));
    await gateway.drain();
    expect(
      events.map((e) => e.data as { provider: string; ok: boolean; error?: string; fallbackFrom?: string[] }),
    ).toEqual([
      expect.objectContaining({ task: 'dialogue.reply', provider: 'canned', ok: false, error: 'AiUnavailable' }),
      expect.objectContaining({
        task: 'dialogue.reply',
        provider: 'scripted',
        ok: true,
        fallback: true,
        fallbackFrom: ['canned'],
      }),
      expect.objectContaining({ task: 'dialogue.appraise', provider: 'canned', ok: false, error: 'AiUnavailable' }),
      expect.objectContaining({
        task: 'dialogue.appraise',
        provider: 'scripted',
        ok: true,
        fallback: true,
        fallbackFrom: ['canned'],
      }),
    ]);
  });

  test('a stream cut midway is not handed over (its text was already sent): the call fails', async () => {
    const second = new CannedProvider([], [{ text: 'never used' }]);
    const { gateway } = setup([new CutProvider([]), second]);
    const seen: string[] = [];
    const run = async () => {
      for await (const e of gateway.stream('dialogue.reply', sampleReplyInput()))
        if (e.type === 'delta') seen.push(e.text);
    };
    await expect(run()).rejects.toBeInstanceOf(AiFailed);
    // Blanks wait for the next word, so the last one shown is the comma.
    expect(seen).toEqual(['Well,']);
  });

  test('when every provider fails the call fails with the last error; an abort is never handed over', async () => {
    const { gateway } = setup([
      new CannedProvider([], [], new AiUnavailable('down')),
      new CannedProvider([], [], new AiTimeout('slow')),
    ]);
    await expect(gateway.run('dialogue.appraise', sampleAppraiseInput())).rejects.toBeInstanceOf(AiTimeout);
    await expect(collect(gateway.stream('dialogue.reply', sampleReplyInput()))).rejects.toBeInstanceOf(AiTimeout);
    const aborting = setup([
      new CannedProvider([], [], new Aborted('gone')),
      new ScriptedProvider({ chunkDelayMs: 0 }),
    ]);
    await expect(aborting.gateway.run('dialogue.appraise', sampleAppraiseInput())).rejects.toBeInstanceOf(Aborted);
  });
});
