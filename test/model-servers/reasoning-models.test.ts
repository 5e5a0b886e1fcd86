/**
 * Reasoning models behind real OpenAI-compatible servers, through the real dialogue routes with the
 * openai provider and a Redis store. The loopback server replays each server's byte shape
 * (model-server-shapes.ts): reasoning in a `reasoning_content` / `reasoning` field or in `<think>`
 * tags inside `content`, a speaker label, the player's next line of a script, the character's
 * secret restated in the text and in the reasoning, structured answers fenced or after a think
 * block. Over whole dialogues (start, 10 turns, end): 0 bytes of reasoning and 0 secrets in any HTTP
 * answer, in Redis, or in any event, and every streamed reply equals its deltas joined.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type ParleyEvent, DialogueConfigSchema, readConfig } from '@parley/shared';
import { createLogger, loadCharacterCatalog, RedisDialogueStore, createAiClient } from '@parley/shared/composition';
import { InProcessEventBus } from '@parley/shared/testing';
import { CHARACTERS_DIR, startDialogueFunctions } from '../support/dialogue-harness';
import { driveDialogue } from '../support/dialogue-driver';
import {
  FakeOpenAiServer,
  defaultStructuredAnswer,
  parleyAnswers,
  type ReceivedChat,
} from '../support/fake-openai-server';
import {
  completionAnswer,
  streamAnswer,
  tokens,
  type ServerKind,
  type StreamPart,
} from '../support/model-server-shapes';
import { REDIS_URL, deleteKeysUnder } from '../support/redis-test-kit';

const mara = loadCharacterCatalog(CHARACTERS_DIR).get('innkeeper-mara')!;
const SECRET = mara.secrets[0]!;
/** Written into every piece of reasoning: found anywhere, reasoning leaked. */
const MARKER = 'RSN-7f3a';
const REASONING = `Okay, ${MARKER}: the player asks about the tower. My instructions say: ${SECRET} I must not say that. Let me answer warmly.`;
const LINE = 'Welcome to the Hearth, traveller! The stew is hot tonight.';
const CONTENT = `Mara Thistledown: ${LINE} ${SECRET}\nPlayer: Thanks, Mara!\nMara Thistledown: You're welcome.`;

type Variant = { name: string; kind: ServerKind; reasoningIn: 'field' | 'tags' };
const VARIANTS: Variant[] = [
  { name: 'vLLM, reasoning parser (reasoning_content)', kind: 'vllm', reasoningIn: 'field' },
  { name: 'OpenRouter (reasoning, keep-alive comments)', kind: 'openrouter', reasoningIn: 'field' },
  { name: 'llama.cpp server, --reasoning-format deepseek', kind: 'llama.cpp', reasoningIn: 'field' },
  { name: 'Ollama before 0.12.5 (<think> in content, Go escaping)', kind: 'ollama', reasoningIn: 'tags' },
  { name: 'LM Studio (<think> in content)', kind: 'lmstudio', reasoningIn: 'tags' },
];

/** What a reasoning model sends for each call, in the shape of `variant`'s server. */
function reasoningScript(variant: Variant) {
  return (call: ReceivedChat) => {
    if (call.kind === 'stream') {
      const parts: StreamPart[] =
        variant.reasoningIn === 'field'
          ? [
              ...tokens(REASONING).map((reasoning) => ({ reasoning })),
              ...tokens(`\n\n${CONTENT}`).map((content) => ({ content })),
            ]
          : tokens(`<think>\n${REASONING}\n</think>\n\n${CONTENT}`, 5).map((content) => ({ content }));
      return streamAnswer(variant.kind, parts);
    }
    const answer = defaultStructuredAnswer(call) as Record<string, unknown>;
    // Options a model writes as a script; a summary that restates the secret.
    if (call.kind === 'dialogue_options') {
      const options = answer.options as Array<{ text: string; strategyId: string }>;
      answer.options = options.map((o, i) => ({
        ...o,
        text: i === 0 ? `Player: ${o.text}` : i === 1 ? `${o.text} ${SECRET}` : o.text,
      }));
    }
    if (call.kind === 'dialogue_summarize') answer.summary = `They talked. ${SECRET}`;
    const json = JSON.stringify(answer);
    return variant.reasoningIn === 'field'
      ? completionAnswer(variant.kind, { content: `\`\`\`json\n${json}\n\`\`\``, reasoning: REASONING })
      : completionAnswer(variant.kind, { content: `<think>\n${REASONING}\n</think>\n\n${json}` });
  };
}

const model = new FakeOpenAiServer();
const logger = createLogger('reasoning-models-test', 'silent');
const prefixes: string[] = [];
let redis: Redis;

beforeAll(async () => {
  await model.start();
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await model.stop();
  await deleteKeysUnder(prefixes);
  await redis.quit();
});

/** Every value stored under `prefix`, whatever its Redis type. */
async function storedUnder(prefix: string): Promise<string[]> {
  const values: string[] = [];
  for (const key of await redis.keys(`${prefix}*`)) {
    const type = await redis.type(key);
    if (type === 'string') values.push((await redis.get(key)) ?? '');
    else if (type === 'list') values.push(...(await redis.lrange(key, 0, -1)));
    else if (type === 'hash') values.push(...Object.values(await redis.hgetall(key)));
    else if (type === 'set') values.push(...(await redis.smembers(key)));
    else if (type === 'zset') values.push(...(await redis.zrange(key, 0, -1)));
    else if (type === 'stream') values.push(JSON.stringify(await redis.xrange(key, '-', '+')));
  }
  return values;
}

const leaksIn = (texts: string[]) => {
  const needles = [
    MARKER,
    SECRET.toLowerCase(),
    SECRET.slice(0, 30).toLowerCase(),
    '<think',
    '</think',
    'player:',
    'mara thistledown:',
  ];
  return needles.filter((n) => texts.some((t) => t.toLowerCase().includes(n.toLowerCase())));
};

describe.each(VARIANTS)('$name', (variant) => {
  test('a whole dialogue (start, 10 turns, end): no reasoning, no secret, no script anywhere; replies = deltas joined', async () => {
    const keyPrefix = `test:reasoning:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    model.answerAll(reasoningScript(variant));
    model.received.length = 0;
    const config = readConfig(DialogueConfigSchema, {
      AUTH_MODE: 'none',
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: model.url,
      AI_MODEL: 'test-model',
      AI_TIMEOUT_MS: '10000',
    });
    const analytics: ParleyEvent[] = [];
    const aiBus = new InProcessEventBus();
    aiBus.subscribe(async (event) => void analytics.push(event));
    const store = RedisDialogueStore.connect(REDIS_URL, { keyPrefix, ttlSeconds: 3600 });
    const fns = await startDialogueFunctions({ ai: createAiClient(config, aiBus, logger), store });
    try {
      const run = await driveDialogue(fns.urls, {
        player: `p-${variant.kind}`,
        characterId: 'innkeeper-mara',
        goalId: 'learn-rumour',
        strategyId: 'flatter',
        turns: 10,
      });
      expect(run.statuses.every((s) => s < 300)).toBe(true);
      const stored = await storedUnder(keyPrefix);
      const events = [...fns.events, ...analytics].map((e) => JSON.stringify(e));
      expect(stored.length).toBeGreaterThan(0);
      expect({ http: leaksIn(run.bodies), redis: leaksIn(stored), events: leaksIn(events) }).toEqual({
        http: [],
        redis: [],
        events: [],
      });
      // The character's own line survives, whole, label and script gone.
      const lines = run.turns.filter((t) => t.speaker === 'character').map((t) => t.text);
      expect(lines).toHaveLength(11);
      expect([...new Set(lines)]).toEqual([LINE]);
      for (const s of run.streamed) expect(s.deltas).toBe(s.reply);
      expect(run.streamed.length).toBeGreaterThanOrEqual(6);
      // The model's structured answers were used, not thrown away for the rules.
      const used = analytics.map(
        (e) => e.data as { task: string; fallback?: boolean; secretsStripped?: number; reasoningChars?: number },
      );
      expect(used.filter((d) => d.task !== 'dialogue.reply' && d.fallback)).toEqual([]);
      expect(used.some((d) => (d.secretsStripped ?? 0) > 0)).toBe(true);
      expect(used.filter((d) => d.task === 'dialogue.reply').every((d) => (d.reasoningChars ?? 0) > 0)).toBe(true);
      // The reasoning did travel: the server sent it on every call.
      expect(model.received.length).toBeGreaterThanOrEqual(11 * 2 + 10);
    } finally {
      model.answerAll(parleyAnswers());
      await fns.close();
      await store.close();
    }
  });
});
