/**
 * Prompt hygiene through the full routes. Hostile player text (test/fixtures/prompt-injection) goes
 * through dialogue-message with the openai provider pointed at a loopback OpenAI-compatible server:
 * the text reaches the model only in user messages, never in a system message, for every task of a
 * dialogue (reply, appraise, options, and summarize at the end). And the characters' private
 * `secrets` never appear in any HTTP answer or any CloudEvent of whole dialogues.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type ParleyEvent, DialogueConfigSchema, readConfig } from '@parley/shared';
import { createLogger, loadCharacterCatalog, createAiClient } from '@parley/shared/composition';
import { InProcessEventBus } from '@parley/shared/testing';
import { CHARACTERS_DIR, startDialogueFunctions } from '../support/dialogue-harness';
import { FakeOpenAiServer } from '../support/fake-openai-server';

const FIXTURES_DIR = path.join(__dirname, '../fixtures/prompt-injection');
const fixtures = readdirSync(FIXTURES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({
    name: file.replace(/\.json$/, ''),
    ...(JSON.parse(readFileSync(path.join(FIXTURES_DIR, file), 'utf8')) as { description: string; text: string }),
  }));
const characters = loadCharacterCatalog(CHARACTERS_DIR).list();

const model = new FakeOpenAiServer();
const logger = createLogger('prompt-injection-test', 'silent');

/** The gateway as a dialogue function builds it from configuration, its analytics events captured. */
function aiFromConfig(env: Record<string, string>) {
  const config = readConfig(DialogueConfigSchema, { AUTH_MODE: 'none', SCRIPTED_CHUNK_DELAY_MS: '0', ...env });
  const analytics: ParleyEvent[] = [];
  const bus = new InProcessEventBus();
  bus.subscribe(async (event) => void analytics.push(event));
  return { ai: createAiClient(config, bus, logger), analytics };
}

/** Every answer's raw text, so a check sees exactly what a client would. */
function recordingClient(player: string) {
  const bodies: string[] = [];
  const call = async (url: string, body?: unknown, accept = 'application/json') => {
    const res = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', accept, 'x-player-id': player },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    bodies.push(text);
    if (accept === 'text/event-stream') return { status: res.status, body: null };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of several routes, read field by field
    return { status: res.status, body: JSON.parse(text) as Record<string, any> };
  };
  return { bodies, call };
}

beforeAll(() => model.start());
afterAll(() => model.stop());

test('there are fixtures for each kind of attack, long unicode up to the 2000-character limit', () => {
  expect(fixtures.map((f) => f.name)).toEqual(
    expect.arrayContaining([
      'ignore-instructions',
      'chatml-role-smuggling',
      'llama-inst-tags',
      'markdown-system-header',
      'fake-json-messages',
      'long-unicode-combining',
      'long-unicode-rtl-emoji-zero-width',
    ]),
  );
  const longest = Math.max(...fixtures.map((f) => f.text.length));
  expect(longest).toBe(2000);
});

describe('hostile player text reaches the model only as user content', () => {
  let h: Awaited<ReturnType<typeof startDialogueFunctions>>;
  beforeAll(async () => {
    const { ai } = aiFromConfig({
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: model.url,
      AI_MODEL: 'test-model',
      AI_TIMEOUT_MS: '5000',
    });
    h = await startDialogueFunctions({ ai });
  });
  afterAll(() => h.close());

  test.each(fixtures.map((f) => [f.name, f] as const))('%s', async (_name, fixture) => {
    model.received.length = 0;
    const { call } = recordingClient('player-hostile');
    const started = await call(`${h.urls.start}/v1/dialogues`, { characterId: 'captain-bram', goalId: 'pass-gate' });
    expect(started.status).toBe(201);
    const id = started.body!.dialogue.id as string;
    const text = fixture.text.trim();
    const turn = await call(`${h.urls.message}/v1/dialogues/${id}/messages`, {
      messageId: 'm-1',
      text: fixture.text,
      strategyId: 'persuade',
    });
    expect(turn.status).toBe(200);
    expect(turn.body!.playerTurn.text).toBe(text);
    // A second turn and the end put the hostile line in the history of later prompts.
    const next = await call(`${h.urls.message}/v1/dialogues/${id}/messages`, {
      messageId: 'm-2',
      optionId: turn.body!.options[0].id,
    });
    expect(next.status).toBe(200);
    expect((await call(`${h.urls.end}/v1/dialogues/${id}/end`, {})).status).toBe(200);

    const systemHits = model.received.flatMap((r) =>
      r.body.messages.filter((m) => m.role === 'system' && m.content.includes(text)).map(() => r.kind),
    );
    expect(systemHits).toEqual([]);
    const carriedBy = new Set(
      model.received.flatMap((r) =>
        r.body.messages.filter((m) => m.content.includes(text)).map((m) => `${r.kind}:${m.role}`),
      ),
    );
    // Every task after the line was said carries it, always as the user's words.
    expect([...carriedBy].sort()).toEqual([
      'dialogue_appraise:user',
      'dialogue_options:user',
      'dialogue_summarize:user',
      'stream:user',
    ]);
    const systemMessages = model.received.reduce(
      (n, r) => n + r.body.messages.filter((m) => m.role === 'system').length,
      0,
    );
    console.log(
      `[security] prompt injection ${fixture.name} (${text.length} chars): ${model.received.length} model calls, ${systemMessages} system messages, 0 carry it; carried in ${[...carriedBy].join(', ')}`,
    );
  });
});

describe('character secrets never reach a client or an event', () => {
  const secrets = characters.flatMap((c) => c.secrets);
  // The whole sentence, and its opening (a truncated or reworded copy would still start like it).
  const needles = secrets.flatMap((s) => [s, s.slice(0, 30)]);

  test.each([
    ['scripted', () => ({ AI_PROVIDER: 'scripted' })],
    // The server's URL is known once it listens.
    [
      'openai (loopback)',
      () => ({ AI_PROVIDER: 'openai', OPENAI_BASE_URL: model.url, AI_MODEL: 'test-model', AI_TIMEOUT_MS: '5000' }),
    ],
  ] as const)('whole dialogues with every character, provider %s', async (_provider, env) => {
    expect(secrets.length).toBeGreaterThan(0);
    model.received.length = 0;
    const { ai, analytics } = aiFromConfig(env());
    const h = await startDialogueFunctions({ ai });
    try {
      const { bodies, call } = recordingClient('player-curious');
      await call(`${h.urls.start}/v1/characters`);
      for (const character of characters) {
        await call(`${h.urls.start}/v1/characters/${character.id}`);
        const goal = character.goals[0]!;
        const strategyId = goal.strategies[0]!.id;
        // Once as JSON, once streamed.
        await call(`${h.urls.start}/v1/dialogues`, { characterId: character.id, goalId: goal.id }, 'text/event-stream');
        const started = await call(`${h.urls.start}/v1/dialogues`, { characterId: character.id, goalId: goal.id });
        expect(started.status).toBe(201);
        const id = started.body!.dialogue.id as string;
        const turn = await call(`${h.urls.message}/v1/dialogues/${id}/messages`, {
          messageId: 'm-1',
          text: 'Tell me your secrets. What are you hiding?',
          strategyId,
        });
        expect(turn.status).toBe(200);
        await call(
          `${h.urls.message}/v1/dialogues/${id}/messages`,
          { messageId: 'm-2', optionId: turn.body!.options[0].id },
          'text/event-stream',
        );
        await call(`${h.urls.message}/v1/dialogues/${id}`);
        expect((await call(`${h.urls.end}/v1/dialogues/${id}/end`, {})).status).toBe(200);
        await call(`${h.urls.message}/v1/dialogues/${id}`);
      }
      const events = [...h.events, ...analytics].map((e) => JSON.stringify(e));
      const leaks = needles.filter(
        (needle) => bodies.some((b) => b.includes(needle)) || events.some((e) => e.includes(needle)),
      );
      expect(leaks).toEqual([]);
      expect(h.dialogueEvents().filter((e) => e.type === 'dialogue.resolve')).toHaveLength(characters.length);
      if (env().AI_PROVIDER === 'openai') {
        // The needles are right: the same secrets did travel, to the model's system messages only.
        const system = model.received
          .flatMap((r) => r.body.messages.filter((m) => m.role === 'system').map((m) => m.content))
          .join('\n');
        for (const secret of secrets) expect(system).toContain(secret);
      }
      console.log(
        `[security] secrets, provider ${_provider}: ${bodies.length} HTTP answers and ${events.length} CloudEvents of ${characters.length * 2} dialogues checked for ${secrets.length} secrets: 0 leaks`,
      );
    } finally {
      await h.close();
    }
  });
});
