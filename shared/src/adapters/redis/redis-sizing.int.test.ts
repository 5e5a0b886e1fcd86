/**
 * Redis memory per dialogue, per turn, per stored answer and per player x character memory, measured
 * with MEMORY USAGE over the keys a real run wrote (docs/operations.md quotes the printed table). The
 * dialogues take turns through the composed HTTP functions with the scripted AI; the memory records
 * are written by the domain's own dialogue-ending rules. Outboxes are left out: the relay empties them.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { DEFAULT_MEMORY_LIMITS, EMPTY_PAIR, applyDialogueEnding, type PairRecord } from '../../domain/memory';
import { createLogger } from '../../composition';
import { RedisMemoryStore } from './redis-memory-store';
import { AMQP_URL, REDIS_URL, createDialogue, sendTurn, startReplica } from '../../../../test/support/reliability-kit';
import { deleteKeysUnder } from '../../../../test/support/redis-test-kit';

const DIALOGUES = 20;
const TURNS = 10;
const PAIRS = 20;
const MEMORIES_PER_PAIR = 10;
const logger = createLogger('redis-sizing', 'silent');
const exchange = `parley.sizing.${randomUUID().slice(0, 8)}`;
const prefix = `parley-sizing:${randomUUID().slice(0, 8)}:`;
let admin: Redis;

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterAll(async () => {
  await admin.quit();
  await deleteKeysUnder([prefix]);
  const amqp = await import('amqplib');
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.deleteExchange(exchange).catch(() => undefined);
  await connection.close();
});

/** Bytes of every key under `keyPrefix` (MEMORY USAGE, all samples), grouped by `kind`. */
async function usage(
  keyPrefix: string,
  kind: (key: string) => string,
): Promise<Map<string, { keys: number; bytes: number }>> {
  const groups = new Map<string, { keys: number; bytes: number }>();
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    for (const key of keys) {
      const bytes = Number(await admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      const group = groups.get(kind(key)) ?? { keys: 0, bytes: 0 };
      group.keys++;
      group.bytes += bytes;
      groups.set(kind(key), group);
    }
    cursor = next;
  } while (cursor !== '0');
  return groups;
}

const dialogueKind = (key: string) =>
  /:result:/.test(key)
    ? 'answer'
    : (/:(state|transcript|outbox|lock|outcome|dialogues|index)$/.exec(key)?.[1] ?? 'other');
const bytesOf = (groups: Map<string, { bytes: number }>, ...kinds: string[]) =>
  kinds.reduce((sum, k) => sum + (groups.get(k)?.bytes ?? 0), 0);

test(`sizing: ${DIALOGUES} dialogues x ${TURNS} turns, ${PAIRS} player x character records of ${MEMORIES_PER_PAIR} memories`, async () => {
  const dialoguePrefix = `${prefix}d:`;
  const pod = await startReplica({
    redisUrl: REDIS_URL,
    amqpUrl: AMQP_URL,
    keyPrefix: dialoguePrefix,
    exchange,
    logger,
  });
  let turns = 0;
  let started: Map<string, { keys: number; bytes: number }>;
  let after: Map<string, { keys: number; bytes: number }>;
  try {
    const ids = await Promise.all(Array.from({ length: DIALOGUES }, () => createDialogue(pod.url)));
    started = await usage(dialoguePrefix, dialogueKind);
    for (const [d, id] of ids.entries()) {
      for (let t = 0; t < TURNS; t++) {
        const res = await sendTurn(pod.url, id, `sizing-${d}-${t}`);
        if (res.status !== 200) break; // the character ended it
        turns++;
      }
    }
    after = await usage(dialoguePrefix, dialogueKind);
  } finally {
    await pod.close();
  }

  const memoryPrefix = `${prefix}m:`;
  const memory = new RedisMemoryStore({ redis: admin, keyPrefix: memoryPrefix });
  const now = new Date();
  for (let p = 0; p < PAIRS; p++) {
    const playerId = `player-sizing-${p}`;
    let pair: PairRecord = EMPTY_PAIR;
    for (let m = 0; m < MEMORIES_PER_PAIR; m++) {
      const change = applyDialogueEnding(
        pair,
        {
          playerId,
          characterId: 'innkeeper-mara',
          dialogueId: randomUUID(),
          goalId: 'learn-rumour',
          goalAchieved: m % 2 === 0,
          endedBy: 'player',
          opinion: 10 + m,
          endedAt: now.toISOString(),
          memories: [{ text: `They praised my stew and asked about the old mill road (visit ${m}).`, importance: 0.6 }],
        },
        DEFAULT_MEMORY_LIMITS,
        now,
      );
      const saved = await memory.save({
        playerId,
        characterId: 'innkeeper-mara',
        expectedVersion: pair.version,
        record: change.pair,
        events: [],
      });
      expect(saved).toEqual({ ok: true });
      pair = { ...change.pair, version: pair.version + 1 };
    }
  }
  const memories = await usage(memoryPrefix, (key) => (/outbox/.test(key) ? 'outbox' : 'pair'));

  const perDialogue = bytesOf(started, 'state', 'transcript') / DIALOGUES;
  const live = ['state', 'transcript', 'answer'];
  const perTurn = (bytesOf(after, ...live) - bytesOf(started, ...live)) / turns;
  const answers = after.get('answer')!;
  const perTranscriptTurn = (bytesOf(after, 'state', 'transcript') - bytesOf(started, 'state', 'transcript')) / turns;
  const perPair = bytesOf(memories, 'pair') / PAIRS;
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(
    [
      `[sizing] ${DIALOGUES} dialogues, ${turns} turns, ${PAIRS} pairs of ${MEMORIES_PER_PAIR} memories (MEMORY USAGE, outboxes drained):`,
      `| active dialogue, just started (state + transcript) | ${kb(perDialogue)} |`,
      `| per turn: transcript and state growth | ${kb(perTranscriptTurn)} |`,
      `| per stored answer (kept for the dialogue's TTL) | ${kb(answers.bytes / answers.keys)} |`,
      `| per 1,000 turns (transcript, state, answers) | ${kb(perTurn * 1000)} |`,
      `| per player x character memory record (${MEMORIES_PER_PAIR} memories) | ${kb(perPair)} |`,
      `| per memory in a record | ${kb(perPair / MEMORIES_PER_PAIR)} |`,
    ].join('\n'),
  );
  expect(turns).toBeGreaterThan(DIALOGUES);
}, 120_000);
