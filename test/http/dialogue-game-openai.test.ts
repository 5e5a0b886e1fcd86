/**
 * The same game rules with the `openai` provider, against the fake OpenAI-compatible server: the
 * appraisal the model returns is bounded and combined with the rules exactly as the offline one
 * (diminishing returns, repetition, offenses the words show, the goal's requires), and the reply
 * prompt carries the verdict.
 */
import { eventSource } from '@parley/shared';
import { AiGateway, ScriptedProvider, createLogger } from '@parley/shared/composition';
import { OpenAiProvider } from '@parley/shared/testing';
import { FakeOpenAiServer, completion, parleyAnswers, type ReceivedChat } from '../support/fake-openai-server';
import { postJson } from '../support/http';
import { startDialogueFunctions } from '../support/dialogue-harness';
import maraJson from '../../content/characters/innkeeper-mara.json';

type Harness = Awaited<ReturnType<typeof startDialogueFunctions>>;
let h: Harness;
let model: FakeOpenAiServer;

/**
 * The model's answers: `appraisal` for dialogue.appraise (any schema-valid value, however extreme),
 * `replyText` streamed for replies, the fake's defaults for the rest.
 */
const answers = { appraisal: {} as Record<string, unknown>, replyText: 'Hm. Ask me again when the fire is lit.' };
const modelAnswer = (request: ReceivedChat) =>
  request.kind === 'dialogue_appraise'
    ? completion(JSON.stringify(answers.appraisal))
    : parleyAnswers({ replyText: answers.replyText })(request);
const systemOf = (request: ReceivedChat) => request.body.messages.find((m) => m.role === 'system')!.content;

beforeAll(async () => {
  model = await new FakeOpenAiServer().start();
  model.answerAll(modelAnswer);
  const ai = new AiGateway({
    provider: new OpenAiProvider({
      model: 'test-model',
      apiKey: 'sk-test',
      baseURL: model.url,
      timeoutMs: 10_000,
      retryBaseMs: 1,
      retryMaxMs: 5,
    }),
    fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
    source: eventSource('ai-generate'),
    logger: createLogger('test', 'silent'),
  });
  h = await startDialogueFunctions({ ai });
});
afterAll(async () => {
  await h.close();
  await model.stop();
});

const say = (id: string, n: number, text: string, strategyId = 'flatter') =>
  postJson(`${h.urls.message}/v1/dialogues/${id}/messages`, { messageId: `o-${n}`, text, strategyId });
const calm = { emotion: 'pleased', intensity: 0.5, valence: 0.4, reasons: ['kind words'] };

test('an extreme appraisal is bounded, and gains shrink with each use of a strategy', async () => {
  const { body: started } = await postJson(`${h.urls.start}/v1/dialogues`, {
    characterId: 'innkeeper-mara',
    goalId: 'learn-rumour',
    strategyId: 'flatter',
  });
  answers.appraisal = { ...calm, opinionDelta: 90, goalProgressDelta: 0.2 };
  const first = (await say(started.dialogue.id, 1, 'Your stew is wonderful.')).body.changes;
  const second = (await say(started.dialogue.id, 2, 'Your beds are the best in the valley.')).body.changes;
  expect(first.opinion.delta).toBe(15);
  expect(second.opinion.delta).toBeLessThan(15);
  expect(first.goalProgress.delta).toBeLessThanOrEqual(0.3);
  expect(second.goalProgress.delta).toBeLessThan(first.goalProgress.delta);
});

test('a repeated line earns nothing and costs patience, whatever the model says', async () => {
  const { body: started } = await postJson(`${h.urls.start}/v1/dialogues`, {
    characterId: 'innkeeper-mara',
    goalId: 'learn-rumour',
    strategyId: 'flatter',
  });
  answers.appraisal = { ...calm, opinionDelta: 10, goalProgressDelta: 0.3 };
  const id = started.dialogue.id;
  await say(id, 1, 'Your stew is wonderful.');
  const again = (await say(id, 2, 'Your stew is wonderful.')).body.changes;
  expect(again.goalProgress.delta).toBeLessThan(0);
  expect(again.patience.after).toBe(again.patience.before - 1);
  expect(again.reasons.join(' ')).toMatch(/heard that line already/);
});

test('insulting words cost patience even when the model hears no offense', async () => {
  const { body: started } = await postJson(`${h.urls.start}/v1/dialogues`, {
    characterId: 'captain-bram',
    goalId: 'pass-gate',
    strategyId: 'persuade',
  });
  answers.appraisal = { ...calm, opinionDelta: 5, goalProgressDelta: 0.2, offenses: [] };
  const changes = (await say(started.dialogue.id, 1, 'You are a stupid old fool.', 'persuade')).body.changes;
  expect(changes.patience.after).toBe(changes.patience.before - 2);
  expect(changes.goalProgress.delta).toBeLessThanOrEqual(0);
});

test('the goal is reached by the rules, once, and the reply is asked to concede with the concession', async () => {
  const { body: started } = await postJson(`${h.urls.start}/v1/dialogues`, {
    characterId: 'innkeeper-mara',
    goalId: 'learn-rumour',
    strategyId: 'flatter',
  });
  answers.appraisal = { ...calm, opinionDelta: 8, goalProgressDelta: 0.25 };
  const id = started.dialogue.id;
  const wins: number[] = [];
  // The model blurts the secret every turn: the gateway lets it through only once the goal that reveals it is won.
  const secret = maraJson.secrets[0]!;
  expect(maraJson.goals[0]!.reveals).toEqual([secret]);
  answers.replyText = `Fine. ${secret}`;
  for (let n = 1; n <= 8; n++) {
    const before = model.received.length;
    const { body } = await say(id, n, `Kind words, version ${n}.`);
    if (wins.length === 0 && !body.changes.goalAchieved) expect(body.reply.text).not.toContain('carry crates');
    else expect(body.reply.text).toContain(secret);
    if (body.changes.goalAchieved) {
      wins.push(n);
      const system = systemOf(model.received.slice(before).find((r) => r.kind === 'stream')!);
      expect(system).toContain('gives in this turn');
      expect(system).toContain(maraJson.goals[0]!.concession);
      expect(body.dialogue.goalProgress).toBeGreaterThanOrEqual(0.7);
      expect(body.dialogue.participants.character.opinions.player).toBeGreaterThanOrEqual(5);
    }
  }
  expect(wins).toHaveLength(1);
  answers.replyText = 'Hm. Ask me again when the fire is lit.';
  // The appraisal was asked before any reply: its prompt holds the player's line and no reply.
  const appraise = model.received.filter((r) => r.kind === 'dialogue_appraise').at(-1)!;
  expect(appraise.body.messages.some((m) => m.role === 'assistant')).toBe(false);
  const ended = await postJson(`${h.urls.end}/v1/dialogues/${id}/end`, {});
  expect(ended.body.outcome).toMatchObject({ goalAchieved: true, goalAchievedAt: wins[0] });
});
