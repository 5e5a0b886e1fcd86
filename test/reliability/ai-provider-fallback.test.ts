/**
 * AI_PROVIDER=openai,scripted through the real dialogue routes: a loopback OpenAI-compatible server
 * that answers 500 (or never answers) hands each call to the scripted provider and the turn succeeds;
 * with `openai` alone the same faults answer 502 / 504 (an `error` event when streaming) and the
 * turn is not applied. The gateway is built from configuration, as the dialogue functions build it.
 */
import { type ParleyEvent, DialogueConfigSchema, readConfig } from '@parley/shared';
import { createLogger, createAiClient } from '@parley/shared/composition';
import { InProcessEventBus } from '@parley/shared/testing';
import { startDialogueFunctions } from '../support/dialogue-harness';
import { FAKE_REPLY_TEXT, FakeOpenAiServer, errorStatus, parleyAnswers, silence } from '../support/fake-openai-server';
import { getJson, postJson } from '../support/http';
import { collectSse } from '../support/sse';

/**
 * The call deadline for each fault. A server answering 500 must be seen failing (AiFailed) whatever
 * the machine's load, so its retries get all the time they need and the deadline never decides the
 * outcome. A hanging server must hit the deadline (AiTimeout): it is short, yet long enough for the
 * answers the same functions get once the server is back, on a busy machine.
 */
const TIMEOUT_MS = { hang: 2_000, '500': 60_000 } as const;
jest.setTimeout(90_000);
const model = new FakeOpenAiServer();
const logger = createLogger('ai-fallback-test', 'silent');

async function functionsWith(aiProvider: string, timeoutMs: number) {
  const config = readConfig(DialogueConfigSchema, {
    AUTH_MODE: 'none',
    AI_PROVIDER: aiProvider,
    OPENAI_BASE_URL: model.url,
    AI_MODEL: 'test-model',
    AI_TIMEOUT_MS: String(timeoutMs),
    SCRIPTED_CHUNK_DELAY_MS: '0',
  });
  const analytics: ParleyEvent[] = [];
  const aiBus = new InProcessEventBus();
  aiBus.subscribe(async (event) => void analytics.push(event));
  const fns = await startDialogueFunctions({ ai: createAiClient(config, aiBus, logger) });
  return { fns, analytics };
}

const player = { 'x-player-id': 'player-fallback' };
const startBody = { characterId: 'captain-bram', goalId: 'pass-gate' };
const turn = (n: number) => ({
  messageId: `m-${n}`,
  text: 'Please, captain, the road is long.',
  strategyId: 'persuade',
});

beforeAll(() => model.start());
afterAll(() => model.stop());

/** How the model server fails in each case: every call answers 500, or is never answered. */
const FAULTS = { '500': errorStatus(500), hang: silence } as const;

beforeEach(() => {
  model.answerAll(parleyAnswers());
  model.received.length = 0;
});

type Functions = Awaited<ReturnType<typeof functionsWith>>;

/** One set of functions per fault, each with that fault's deadline. */
function functionsByMode(aiProvider: string) {
  const byMode: Partial<Record<'500' | 'hang', Functions>> = {};
  beforeAll(async () => {
    byMode['500'] = await functionsWith(aiProvider, TIMEOUT_MS['500']);
    byMode.hang = await functionsWith(aiProvider, TIMEOUT_MS.hang);
  });
  afterAll(async () => {
    await byMode['500']?.fns.close();
    await byMode.hang?.fns.close();
  });
  return (mode: '500' | 'hang'): Functions => byMode[mode]!;
}

describe('AI_PROVIDER=openai,scripted', () => {
  const functionsFor = functionsByMode('openai,scripted');

  test.each(['500', 'hang'] as const)(
    'the model server answering %s: start and turns succeed through the scripted provider',
    async (mode) => {
      model.answerAll(FAULTS[mode]);
      const h = functionsFor(mode);
      const t0 = performance.now();
      const started = await postJson(`${h.fns.urls.start}/v1/dialogues`, startBody, player);
      expect(started.status).toBe(201);
      const id = started.body.dialogue.id as string;
      const json = await postJson(`${h.fns.urls.message}/v1/dialogues/${id}/messages`, turn(1), player);
      expect(json.status).toBe(200);
      expect(json.body.dialogue.version).toBe(1);
      const sse = await fetch(`${h.fns.urls.message}/v1/dialogues/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...player },
        body: JSON.stringify(turn(2)),
      });
      const events = await collectSse(sse);
      expect(events.at(-1)?.event).toBe('done');
      const ms = Math.round(performance.now() - t0);

      const progress = h.fns.dialogueEvents().filter((e) => e.type === 'dialogue.progress' && e.subject === id);
      expect(progress).toHaveLength(2);
      // Every call tried openai first (3 tries each on 500, one on a hang), and analytics say so.
      const mine = h.analytics
        .filter((e) => e.subject === id)
        .map(
          (e) =>
            e.data as {
              task: string;
              provider: string;
              ok: boolean;
              fallback?: boolean;
              fallbackFrom?: string[];
              error?: string;
            },
        );
      const failed = mine.filter((d) => !d.ok);
      const answered = mine.filter((d) => d.ok);
      expect(failed.length).toBeGreaterThanOrEqual(4);
      expect(
        failed.every((d) => d.provider === 'openai' && d.error === (mode === '500' ? 'AiFailed' : 'AiTimeout')),
      ).toBe(true);
      expect(answered.length).toBe(failed.length);
      expect(
        answered.every((d) => d.provider === 'scripted' && d.fallback === true && d.fallbackFrom?.join() === 'openai'),
      ).toBe(true);
      expect(new Set(answered.map((d) => d.task))).toEqual(
        new Set(['dialogue.reply', 'dialogue.options', 'dialogue.appraise']),
      );
      console.log(
        `[reliability] openai,scripted with the model answering ${mode}: start + 2 turns (JSON, SSE) all succeeded via scripted in ${ms} ms; ` +
          `${model.received.length} requests reached the model; ${failed.length} calls failed over (analytics: provider openai ok:false, then scripted fallbackFrom [openai])`,
      );
    },
  );

  test('when the model answers again, it answers again (openai first, no fallback)', async () => {
    const h = functionsFor('500');
    const started = await postJson(`${h.fns.urls.start}/v1/dialogues`, startBody, player);
    expect(started.status).toBe(201);
    expect(started.body.greeting.text).toBe(FAKE_REPLY_TEXT);
    const last = h.analytics.at(-1)!.data as { provider: string; fallback: boolean; ok: boolean };
    expect(last).toMatchObject({ provider: 'openai', ok: true, fallback: false });
  });
});

describe('AI_PROVIDER=openai alone', () => {
  const functionsFor = functionsByMode('openai');

  test.each([
    ['500', 502, 'AiFailed'],
    ['hang', 504, 'AiTimeout'],
  ] as const)(
    'the model server answering %s: %i %s, and the turn is not applied (JSON and SSE)',
    async (mode, status, code) => {
      const h = functionsFor(mode);
      const started = await postJson(`${h.fns.urls.start}/v1/dialogues`, startBody, player);
      expect(started.status).toBe(201);
      const id = started.body.dialogue.id as string;
      const eventsBefore = h.fns.dialogueEvents().length;

      model.answerAll(FAULTS[mode]);
      const json = await postJson(`${h.fns.urls.message}/v1/dialogues/${id}/messages`, turn(1), player);
      expect([json.status, json.body.error.code]).toEqual([status, code]);
      const sse = await fetch(`${h.fns.urls.message}/v1/dialogues/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...player },
        body: JSON.stringify(turn(2)),
      });
      const events = await collectSse(sse);
      expect(events.at(-1)).toMatchObject({ event: 'error', data: { error: { code } } });
      expect(events.map((e) => e.event)).not.toContain('done');
      const refusedStart = await postJson(`${h.fns.urls.start}/v1/dialogues`, startBody, player);
      expect([refusedStart.status, refusedStart.body.error.code]).toEqual([status, code]);

      const state = await getJson(`${h.fns.urls.message}/v1/dialogues/${id}`, player);
      expect(state.body.dialogue.version).toBe(0);
      expect(state.body.dialogue.turns).toHaveLength(1);
      expect(h.fns.dialogueEvents().length).toBe(eventsBefore);

      // The same messageId succeeds once the model is back: nothing of the failed tries was kept.
      model.answerAll(parleyAnswers());
      const retried = await postJson(`${h.fns.urls.message}/v1/dialogues/${id}/messages`, turn(1), player);
      expect([retried.status, retried.body.replayed, retried.body.dialogue.version]).toEqual([200, false, 1]);
      console.log(
        `[reliability] openai alone answering ${mode}: turn ${status} ${code} (JSON), SSE ended with error ${code}, start ${status}; version stayed 0, 0 events; the retry after recovery applied once`,
      );
    },
  );
});
