/**
 * How model servers really end streams, fail and refuse, through the real dialogue routes with the
 * openai provider against the loopback server replaying their byte shapes (model-server-shapes.ts):
 * a `length` cut ends the line at a whole sentence (or fails the turn), `content_filter` and a stream
 * closed without a finish reason fail it, reasoning keeps a call alive but the whole-call deadline
 * bounds it, a `Retry-After` longer than the call may take fails at once and is passed on, refused
 * request features are dropped and remembered, and upstream error text never reaches the player.
 */
import { DialogueConfigSchema, readConfig, type ParleyEvent } from '@parley/shared';
import { InProcessEventBus, createAiClient, createLogger } from '@parley/shared/composition';
import { startDialogueFunctions } from '../support/dialogue-harness';
import {
  FakeOpenAiServer,
  defaultStructuredAnswer,
  parleyAnswers,
  type ReceivedChat,
  type ScriptedAnswer,
} from '../support/fake-openai-server';
import { getJson, postJson } from '../support/http';
import { completionAnswer, errorAnswer, streamAnswer, tokens, type ServerKind } from '../support/model-server-shapes';
import { collectSse } from '../support/sse';

const model = new FakeOpenAiServer();
const logger = createLogger('model-server-behaviour-test', 'silent');
const player = { 'x-player-id': 'player-servers' };

beforeAll(() => model.start());
afterAll(() => model.stop());
afterEach(() => {
  model.answerAll(parleyAnswers());
});

async function functions(env: Record<string, string> = {}) {
  const config = readConfig(DialogueConfigSchema, {
    AUTH_MODE: 'none',
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: model.url,
    AI_MODEL: 'test-model',
    AI_TIMEOUT_MS: '5000',
    ...env,
  });
  const analytics: ParleyEvent[] = [];
  const bus = new InProcessEventBus();
  bus.subscribe(async (event) => void analytics.push(event));
  const fns = await startDialogueFunctions({ ai: createAiClient(config, bus, logger) });
  return { fns, analytics };
}

type Fns = Awaited<ReturnType<typeof functions>>['fns'];
const turnBody = { messageId: 'm-1', text: 'What happened at the watchtower?', strategyId: 'flatter' };

/** Starts a dialogue with the default answers, then scripts the streamed reply of the next turn. */
async function scriptedTurn(fns: Fns, reply: (call: ReceivedChat) => ScriptedAnswer | undefined, accept: string) {
  model.answerAll(parleyAnswers());
  const started = await postJson(
    `${fns.urls.start}/v1/dialogues`,
    { characterId: 'innkeeper-mara', goalId: 'learn-rumour' },
    player,
  );
  expect(started.status).toBe(201);
  const id = started.body.dialogue.id as string;
  model.answerAll((call) => (call.kind === 'stream' ? reply(call) : undefined));
  model.received.length = 0;
  const t0 = performance.now();
  const res = await fetch(`${fns.urls.message}/v1/dialogues/${id}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...player },
    body: JSON.stringify(turnBody),
  });
  const version = async () =>
    (await getJson(`${fns.urls.message}/v1/dialogues/${id}`, player)).body.dialogue.version as number;
  return { res, t0, version };
}

/** A turn answered as JSON. */
async function turnWith(fns: Fns, reply: (call: ReceivedChat) => ScriptedAnswer | undefined) {
  const { res, t0, version } = await scriptedTurn(fns, reply, 'application/json');
  const text = await res.text();
  const ms = performance.now() - t0;
  return {
    status: res.status,
    headers: res.headers,
    text,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read field by field
    json: JSON.parse(text) as Record<string, any>,
    ms,
    version: await version(),
  };
}

/** A turn answered as SSE. */
async function streamedTurn(fns: Fns, reply: (call: ReceivedChat) => ScriptedAnswer | undefined) {
  const { res, version } = await scriptedTurn(fns, reply, 'text/event-stream');
  const events = await collectSse(res);
  return { events, version: await version() };
}

const KINDS: ServerKind[] = ['vllm', 'llama.cpp', 'ollama', 'openrouter'];

describe('how a stream ends', () => {
  let h: Awaited<ReturnType<typeof functions>>;
  beforeAll(async () => {
    h = await functions();
  });
  afterAll(() => h.fns.close());

  test.each(KINDS)(
    '%s: finish_reason length near the budget ends the line at its last whole sentence; deltas = reply',
    async (kind) => {
      // More tokens than half of the reply budget (400), one per chunk, cut mid-sentence.
      const text = `${'Aye, the tower. '.repeat(14)}${'Hm. '.repeat(40)}And the crates were`;
      const turn = await streamedTurn(h.fns, () =>
        streamAnswer(
          kind,
          tokens(text, 1).map((content) => ({ content })),
          { finish: 'length', done: true },
        ),
      );
      const deltas = turn.events
        .filter((e) => e.event === 'delta')
        .map((e) => (e.data as { text: string }).text)
        .join('');
      const reply = turn.events.find((e) => e.event === 'reply')?.data as { text: string };
      expect(turn.events.at(-1)?.event).toBe('done');
      expect(reply.text).toBe(text.slice(0, text.lastIndexOf('Hm.') + 3));
      expect(deltas).toBe(reply.text);
      expect(turn.version).toBe(1);
    },
  );

  test.each([
    [
      'finish_reason length with no whole sentence',
      (kind: ServerKind) =>
        streamAnswer(
          kind,
          tokens('Well the crates that Bram carried up were', 1).map((content) => ({ content })),
          { finish: 'length', done: true },
        ),
    ],
    [
      'finish_reason content_filter',
      (kind: ServerKind) =>
        streamAnswer(
          kind,
          tokens('I will tell you. ', 2).map((content) => ({ content })),
          { finish: 'content_filter', done: true },
        ),
    ],
    [
      'a stream closed without finish reason and without [DONE]',
      (kind: ServerKind) =>
        streamAnswer(
          kind,
          tokens('I saw him carry', 2).map((content) => ({ content })),
          { finish: null, done: false },
        ),
    ],
    [
      'a stream closed with [DONE] but no finish reason',
      (kind: ServerKind) =>
        streamAnswer(
          kind,
          tokens('I saw him carry', 2).map((content) => ({ content })),
          { finish: null, done: true },
        ),
    ],
    [
      'only reasoning until the budget ran out',
      (kind: ServerKind) =>
        streamAnswer(
          kind,
          tokens('Let me think about the tower and Bram and the crates for a long time', 3).map((reasoning) => ({
            reasoning,
          })),
          { finish: 'length', done: true },
        ),
    ],
  ])('%s: the turn fails (502 AiFailed), nothing is applied', async (_name, answer) => {
    for (const kind of KINDS) {
      const turn = await turnWith(h.fns, () => answer(kind));
      expect([kind, turn.status, turn.json.error.code]).toEqual([kind, 502, 'AiFailed']);
      expect(turn.version).toBe(0);
    }
  });
});

test('reasoning longer than AI_TIMEOUT_MS keeps the call alive (any token is a sign of life); the reply lands', async () => {
  const h = await functions({ AI_TIMEOUT_MS: '1000', AI_CALL_DEADLINE_MS: '20000' });
  try {
    // 3 s of reasoning, a chunk every 150 ms: never 1 s of silence.
    const reasoning = Array.from({ length: 20 }, (_, i) => ({ reasoning: `step ${i}. ` }));
    const answer = streamAnswer('vllm', [...reasoning, { content: 'Crates. Up the tower.' }]);
    const turn = await turnWith(h.fns, () => ({ ...answer, paceMs: 150 }));
    expect(turn.status).toBe(200);
    expect(turn.json.reply.text).toBe('Crates. Up the tower.');
    expect(turn.ms).toBeGreaterThan(2500);
  } finally {
    await h.fns.close();
  }
});

test('a model that reasons forever is stopped by AI_CALL_DEADLINE_MS (504), not by the idle timer', async () => {
  const h = await functions({ AI_TIMEOUT_MS: '1000', AI_CALL_DEADLINE_MS: '2500' });
  try {
    const reasoning = Array.from({ length: 400 }, () => ({ reasoning: 'hmm ' }));
    const turn = await turnWith(h.fns, () => ({ ...streamAnswer('openrouter', reasoning), paceMs: 100 }));
    expect([turn.status, turn.json.error.code]).toEqual([504, 'AiTimeout']);
    expect(turn.ms).toBeGreaterThanOrEqual(2400);
    expect(turn.version).toBe(0);
  } finally {
    await h.fns.close();
  }
});

describe('429 with Retry-After', () => {
  test('a wait longer than the call deadline fails at once (one try) and the hint is passed on as our Retry-After', async () => {
    const h = await functions({ AI_CALL_DEADLINE_MS: '5000' });
    try {
      const turn = await turnWith(h.fns, () =>
        errorAnswer('openai', 429, 'Rate limit reached for requests', { 'retry-after': '30' }),
      );
      expect([turn.status, turn.json.error.code]).toEqual([503, 'AiUnavailable']);
      expect(turn.headers.get('retry-after')).toBe('30');
      expect(model.received.filter((r) => r.kind === 'stream')).toHaveLength(1);
      expect(turn.ms).toBeLessThan(4000);
      expect(turn.text).not.toContain('Rate limit reached');
    } finally {
      await h.fns.close();
    }
  });

  test('a wait that fits is honoured, then the call goes through', async () => {
    const h = await functions({ AI_CALL_DEADLINE_MS: '10000' });
    try {
      let calls = 0;
      const turn = await turnWith(h.fns, () =>
        ++calls === 1
          ? errorAnswer('openai', 429, 'Rate limit reached', { 'retry-after': '1' })
          : streamAnswer('vllm', [{ content: 'Fine. Ask.' }]),
      );
      expect(turn.status).toBe(200);
      expect(turn.json.reply.text).toBe('Fine. Ask.');
      expect(turn.ms).toBeGreaterThanOrEqual(900);
    } finally {
      await h.fns.close();
    }
  });
});

describe('servers that refuse a request feature', () => {
  test('a 400 to stream_options: retried without, remembered (asked once per endpoint and model), error text never shown', async () => {
    const h = await functions();
    try {
      const refusing = (call: ReceivedChat) =>
        call.body.stream_options
          ? errorAnswer('openai', 400, "Unknown parameter: 'stream_options'.")
          : streamAnswer('openrouter', [{ content: 'Aye. Ask away.' }]);
      const first = await turnWith(h.fns, refusing);
      expect(first.status).toBe(200);
      expect(first.json.reply.text).toBe('Aye. Ask away.');
      const second = await turnWith(h.fns, refusing);
      expect(second.status).toBe(200);
      expect(model.received.filter((r) => r.kind === 'stream' && r.body.stream_options)).toHaveLength(0);
      expect(first.text + second.text).not.toContain('stream_options');
    } finally {
      await h.fns.close();
    }
  });

  test.each([
    ['llama.cpp', 'llama.cpp' as const, '"json_schema" is not supported by this server, use "grammar" instead'],
    ['LM Studio', 'lmstudio' as const, "'response_format.type' must be 'json_schema' or 'text'"],
    ['vLLM', 'vllm' as const, 'response_format json_schema is not supported'],
  ])(
    '%s: a 400 to response_format json_schema: the JSON is asked in the prompt and read from the answer; the model answers, not the rules',
    async (_name, kind, message) => {
      const { fns, analytics } = await functions();
      model.received.length = 0;
      try {
        model.answerAll((call) => {
          if (call.kind === 'stream') return streamAnswer(kind, [{ content: 'Aye. Ask away.' }]);
          if (call.body.response_format) return errorAnswer(kind, 400, message);
          return completionAnswer(kind, {
            content: `Here you go:\n\`\`\`json\n${JSON.stringify(defaultStructuredAnswer(call))}\n\`\`\``,
          });
        });
        const started = await postJson(
          `${fns.urls.start}/v1/dialogues`,
          { characterId: 'innkeeper-mara', goalId: 'learn-rumour' },
          player,
        );
        expect(started.status).toBe(201);
        const turn = await postJson(
          `${fns.urls.message}/v1/dialogues/${started.body.dialogue.id}/messages`,
          { messageId: 'm-1', text: 'Tell me.', strategyId: 'flatter' },
          player,
        );
        expect(turn.status).toBe(200);
        expect(turn.body.options.map((o: { text: string }) => o.text)).toEqual(
          expect.arrayContaining(['Let me try to flatter.']),
        );
        const structured = analytics
          .map((e) => e.data as { task: string; fallback: boolean })
          .filter((d) => d.task !== 'dialogue.reply');
        expect(structured.length).toBeGreaterThanOrEqual(3);
        expect(structured.every((d) => !d.fallback)).toBe(true);
        // Refused once, then never asked again.
        expect(model.received.filter((r) => r.body.response_format)).toHaveLength(1);
      } finally {
        await fns.close();
      }
    },
  );
});

test('upstream error text stays in the log and analytics: the player gets our code and message', async () => {
  const { fns, analytics } = await functions();
  try {
    const turn = await turnWith(fns, () =>
      errorAnswer(
        'vllm',
        400,
        'The model `deepseek-r1:70b` does not exist or you do not have access to it (internal ref 7731).',
      ),
    );
    expect([turn.status, turn.json.error.code]).toEqual([502, 'AiFailed']);
    expect(turn.text).not.toMatch(/deepseek|internal ref|does not exist/);
    const failed = analytics.map((e) => e.data as { ok: boolean; errorDetail?: string }).find((d) => !d.ok);
    expect(failed?.errorDetail).toContain('internal ref 7731');
  } finally {
    await fns.close();
  }
});
