/**
 * The llama provider goes through the same reply filter as the others: scripted model text injected
 * through its module loader (a stand-in node-llama-cpp) that reasons in `<think>` tags and in thought
 * segments, restates the character's secret, labels its line and writes the player's next one. Over
 * a whole dialogue (start, 10 turns, end) through the real routes with a Redis store: 0 bytes of
 * reasoning and 0 secrets in any HTTP answer, stored value or event; every reply = its deltas joined.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { eventSource, type ParleyEvent } from '@parley/shared';
import {
  AiGateway,
  InProcessEventBus,
  LlamaProvider,
  RedisDialogueStore,
  ScriptedProvider,
  createLogger,
  loadCharacterCatalog,
} from '@parley/shared/composition';
import { CHARACTERS_DIR, startDialogueFunctions } from '../support/dialogue-harness';
import { driveDialogue } from '../support/dialogue-driver';
import { fakeLlamaBindings, type LlamaScript } from '../support/fake-llama-bindings';
import { REDIS_URL, deleteKeysUnder } from '../support/redis-test-kit';

const mara = loadCharacterCatalog(CHARACTERS_DIR).get('innkeeper-mara')!;
const SECRET = mara.secrets[0]!;
const MARKER = 'RSN-llama-51c';
const LINE = 'Welcome to the Hearth, traveller! The stew is hot tonight.';
const pieces = (text: string) => (text.match(/[\s\S]{1,4}/g) ?? []).map((t) => ({ text: t }));

const script: LlamaScript = ({ prompt, structured }) => {
  if (structured) {
    const strategies = [...new Set([...prompt.matchAll(/^- ([a-z0-9-]+): /gm)].map((m) => m[1]!))];
    const json = prompt.includes('short options')
      ? {
          options: strategies.slice(0, 3).map((strategyId, i) => ({
            text: i === 0 ? `Player: Let me ${strategyId}.` : `Let me ${strategyId}. ${SECRET}`,
            strategyId,
          })),
        }
      : prompt.includes('Summarize the conversation')
        ? { summary: `They talked about the inn. ${SECRET}` }
        : {
            emotion: 'warm',
            intensity: 0.4,
            valence: 0.3,
            opinionDelta: 2,
            goalProgressDelta: 0.05,
            reasons: [`Kind words. ${SECRET}`],
          };
    return [{ thought: `${MARKER} weighing the answer` }, ...pieces(JSON.stringify(json))];
  }
  return [
    { thought: `${MARKER} the player wants the rumour; ${SECRET}` },
    ...pieces(
      `<think>${MARKER} ${SECRET} I should not say it.</think>\n\nMara Thistledown: ${LINE} ${SECRET}\nPlayer: Thanks!`,
    ),
  ];
};

let redis: Redis;
const prefixes: string[] = [];
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await deleteKeysUnder(prefixes);
  await redis.quit();
});

test('a whole dialogue on the llama provider with a reasoning model: nothing of the reasoning or the secret leaves', async () => {
  const keyPrefix = `test:llama-reasoning:${randomUUID()}:`;
  prefixes.push(keyPrefix);
  const logger = createLogger('llama-reasoning-test', 'silent');
  const calls: Array<{ prompt: string; stop: string[] }> = [];
  const provider = new LlamaProvider({
    modelPath: '/models/injected.gguf',
    threads: 1,
    contextSize: 4096,
    gpu: false,
    parallel: 2,
    queueLimit: 8,
    timeoutMs: 10_000,
    maxTokens: 256,
    importModule: async () => fakeLlamaBindings(script, calls),
  });
  const analytics: ParleyEvent[] = [];
  const bus = new InProcessEventBus();
  bus.subscribe(async (e) => void analytics.push(e));
  const ai = new AiGateway({
    provider,
    fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
    publisher: bus,
    source: eventSource('ai-generate'),
    logger,
  });
  const store = RedisDialogueStore.connect(REDIS_URL, { keyPrefix, ttlSeconds: 3600 });
  const fns = await startDialogueFunctions({ ai, store });
  try {
    const run = await driveDialogue(fns.urls, {
      player: 'p-llama',
      characterId: 'innkeeper-mara',
      goalId: 'learn-rumour',
      strategyId: 'flatter',
      turns: 10,
    });
    await ai.drain();
    const stored: string[] = [];
    for (const key of await redis.keys(`${keyPrefix}*`)) {
      const type = await redis.type(key);
      if (type === 'string') stored.push((await redis.get(key)) ?? '');
      else if (type === 'list') stored.push(...(await redis.lrange(key, 0, -1)));
      else if (type === 'hash') stored.push(...Object.values(await redis.hgetall(key)));
      else if (type === 'zset') stored.push(...(await redis.zrange(key, 0, -1)));
      else if (type === 'set') stored.push(...(await redis.smembers(key)));
    }
    const events = [...fns.events, ...analytics].map((e) => JSON.stringify(e));
    const needles = [MARKER, SECRET, SECRET.slice(0, 30), '<think', 'Player:', 'Mara Thistledown:'].map((n) =>
      n.toLowerCase(),
    );
    const leaks = (texts: string[]) => needles.filter((n) => texts.some((t) => t.toLowerCase().includes(n)));
    expect(stored.length).toBeGreaterThan(0);
    expect({ http: leaks(run.bodies), redis: leaks(stored), events: leaks(events) }).toEqual({
      http: [],
      redis: [],
      events: [],
    });
    const lines = run.turns.filter((t) => t.speaker === 'character').map((t) => t.text);
    expect(lines).toHaveLength(11);
    expect([...new Set(lines)]).toEqual([LINE]);
    for (const s of run.streamed) expect(s.deltas).toBe(s.reply);
    // The model's structured answers were used (cleaned), and it was told where the player's turn starts.
    const data = analytics.map(
      (e) => e.data as { task: string; provider: string; fallback: boolean; secretsStripped?: number },
    );
    expect(data.every((d) => d.provider === 'llama')).toBe(true);
    expect(data.filter((d) => d.task === 'dialogue.options' && d.fallback)).toEqual([]);
    expect(data.some((d) => (d.secretsStripped ?? 0) > 0)).toBe(true);
    expect(calls.some((c) => c.stop.includes('\nPlayer:'))).toBe(true);
  } finally {
    await fns.close();
    await store.close();
  }
});
