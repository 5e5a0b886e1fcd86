import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { DialogueState, Turn, TurnResult } from '../../domain/dialogue';
import type { ParleyEvent } from '../../domain/events';
import { loadCharacterCatalog } from '../file/file-character-catalog';
import { createLogger } from '../../observability/logger';
import { OutboxRelay } from '../../services/outbox-relay';
import { ExpirySweeper } from '../../services/expiry-sweeper';
import { EXPIRY_GRACE_SECONDS } from '../../ports/dialogue-store';
import type { EventPublisher } from '../../ports/event-publisher';
import { dialogueStoreFixtures } from '../contracts/dialogue-store.contract';
import { RedisDialogueStore } from './redis-dialogue-store';

/*
 * An upgrade from the previous key layout: data written by the previous release (its create and
 * commit scripts, copied here verbatim, with its key names and JSON) is read, continued, swept and
 * relayed by this release's store, the relay and the sweeper, unchanged.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TTL_SECONDS = 3600;
const { started, turnOn, ended } = dialogueStoreFixtures;

// ---- the previous release's writes, verbatim ----
const NOW_MS = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;
const COUNT_LIVE = `
local function countLive(set, before, after)
  local live = 0
  for _, id in ipairs(redis.call('SMEMBERS', set)) do
    if redis.call('EXISTS', before .. id .. after) == 1 then live = live + 1
    else redis.call('SREM', set, id) end
  end
  return live
end
`;
const PREVIOUS_CREATE = `${NOW_MS}${COUNT_LIVE}
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
local max = tonumber(ARGV[7])
if max > 0 then
  local active = countLive(KEYS[6], ARGV[8], ARGV[9])
  if active >= max then return {-1, active} end
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 's', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('DEL', KEYS[2])
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[5], nowMs() + tonumber(ARGV[6]), ARGV[5])
redis.call('SADD', KEYS[6], ARGV[5])
redis.call('EXPIRE', KEYS[6], ARGV[4])
for i = 10, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
if #ARGV >= 10 then redis.call('SADD', KEYS[4], ARGV[5]) end
return {1}
`;
const PREVIOUS_COMMIT_TURN = `${NOW_MS}
local version = redis.call('HGET', KEYS[1], 'v')
if not version then return 'missing' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'duplicate' end
if version ~= ARGV[1] then return 'version' end
local ttl = ARGV[5]
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
redis.call('EXPIRE', KEYS[1], ttl)
local turns = tonumber(ARGV[8])
for i = 10, 9 + turns do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('SET', KEYS[3], ARGV[4], 'EX', ttl)
redis.call('ZADD', KEYS[6], nowMs() + tonumber(ARGV[7]), ARGV[6])
-- The player's set lives as long as their longest-lived dialogue.
redis.call('EXPIRE', KEYS[7], ttl)
for i = 10 + turns, #ARGV do redis.call('RPUSH', KEYS[4], ARGV[i]) end
if #ARGV >= 10 + turns then redis.call('SADD', KEYS[5], ARGV[6]) end
if redis.call('GET', KEYS[8]) == ARGV[9] then redis.call('DEL', KEYS[8]) end
return 'ok'
`;

/** The previous release's key names (one hash tag per dialogue, global indexes). */
function previousKeys(prefix: string) {
  const dialogue = (id: string) => `${prefix}dialogue:{${id}}`;
  return {
    state: (id: string) => `${dialogue(id)}:state`,
    transcript: (id: string) => `${dialogue(id)}:transcript`,
    turnLock: (id: string) => `${dialogue(id)}:lock`,
    turnResult: (id: string, messageId: string) => `${dialogue(id)}:result:${messageId}`,
    outbox: (id: string) => `${dialogue(id)}:outbox`,
    outboxIndex: () => `${prefix}outbox:index`,
    expiryIndex: () => `${prefix}expiry:index`,
    playerDialogues: (playerId: string) => `${prefix}player:${playerId}:dialogues`,
  };
}

/** The previous release's `create` and `commitTurn`, as its RedisDialogueStore called its scripts. */
function previousRelease(redis: Redis, prefix: string, idleMs = TTL_SECONDS * 1000) {
  const k = previousKeys(prefix);
  const keyTtl = TTL_SECONDS + EXPIRY_GRACE_SECONDS;
  const [before, after] = k.state('\u0000').split('\u0000') as [string, string];
  return {
    async create(state: DialogueState, greeting: Turn, events: ParleyEvent[]) {
      const answer = await redis.eval(
        PREVIOUS_CREATE,
        6,
        k.state(state.id),
        k.transcript(state.id),
        k.outbox(state.id),
        k.outboxIndex(),
        k.expiryIndex(),
        k.playerDialogues(state.playerId),
        String(state.version),
        JSON.stringify(state),
        JSON.stringify(greeting),
        keyTtl,
        state.id,
        idleMs,
        0,
        before,
        after,
        ...events.map((e) => JSON.stringify(e)),
      );
      expect(answer).toEqual([1]);
    },
    async commitTurn(commit: {
      expectedVersion: number;
      messageId: string;
      state: DialogueState;
      newTurns: Turn[];
      result: TurnResult;
      events: ParleyEvent[];
    }) {
      const id = commit.state.id;
      const answer = await redis.eval(
        PREVIOUS_COMMIT_TURN,
        8,
        k.state(id),
        k.transcript(id),
        k.turnResult(id, commit.messageId),
        k.outbox(id),
        k.outboxIndex(),
        k.expiryIndex(),
        k.playerDialogues(commit.state.playerId),
        k.turnLock(id),
        String(commit.expectedVersion),
        String(commit.state.version),
        JSON.stringify(commit.state),
        JSON.stringify(commit.result),
        keyTtl,
        id,
        idleMs,
        commit.newTurns.length,
        commit.messageId,
        ...commit.newTurns.map((t) => JSON.stringify(t)),
        ...commit.events.map((e) => JSON.stringify(e)),
      );
      expect(answer).toBe('ok');
    },
  };
}

// ---- this release ----
class Captured implements EventPublisher {
  readonly events: ParleyEvent[] = [];
  async publish(events: ParleyEvent[]): Promise<void> {
    this.events.push(...events);
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

const logger = createLogger('layout-upgrade', 'silent');
const catalog = loadCharacterCatalog('content/characters');
const filePrefix = `parley-test:${randomUUID()}:`;
let admin: Redis;

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${filePrefix}*`, 'COUNT', 500);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await admin.quit();
});

function setUp(idleMs?: number) {
  const prefix = `${filePrefix}${randomUUID().slice(0, 8)}:`;
  const previous = previousRelease(admin, prefix, idleMs);
  const store = new RedisDialogueStore({ redis: admin, keyPrefix: prefix, ttlSeconds: TTL_SECONDS });
  const publisher = new Captured();
  const relay = new OutboxRelay({ store, publisher, logger });
  return { prefix, previous, store, publisher, relay, old: previousKeys(prefix) };
}

describe('upgrade from the previous key layout', () => {
  it('relays the pending outbox events of a previous-layout dialogue, in order, and drains the old index', async () => {
    const { previous, store, publisher, relay, old } = setUp();
    const a = started('player-up-1');
    await previous.create(a.state, a.greeting, a.events);
    const turn = turnOn(a.state, 'm-1');
    await previous.commitTurn(turn);
    const b = started('player-up-2');
    await previous.create(b.state, b.greeting, b.events);
    // A dialogue of this release alongside.
    const fresh = started('player-up-1', store.newDialogueId('player-up-1'));
    await store.create(fresh.state, fresh.greeting, fresh.events);

    expect((await store.outboxDialogues(100)).sort()).toEqual([a.state.id, b.state.id, fresh.state.id].sort());
    await relay.flushAll();

    const published = (id: string) => publisher.events.filter((e) => e.subject?.includes(id)).map((e) => e.id);
    expect(published(a.state.id)).toEqual([...a.events, ...turn.events].map((e) => e.id));
    expect(published(b.state.id)).toEqual(b.events.map((e) => e.id));
    expect(published(fresh.state.id)).toEqual(fresh.events.map((e) => e.id));
    expect(await admin.exists(old.outbox(a.state.id), old.outbox(b.state.id), old.outboxIndex())).toBe(0);
    expect(await store.outboxDialogues(100)).toEqual([]);
  });

  it('sweeps a previous-layout dialogue idle past its deadline; its resolve event goes out', async () => {
    const { previous, store, publisher, relay, old } = setUp(1);
    const a = started('player-up-3');
    await previous.create(a.state, a.greeting, a.events);
    const turn = turnOn(a.state, 'm-1');
    await previous.commitTurn(turn);
    const sweeper = new ExpirySweeper({
      store,
      catalog,
      relay,
      logger,
      source: 'parley-test',
      now: () => new Date(),
    });
    // The previous release gave it 1 ms of idle time: wait on Redis's clock for the deadline.
    for (let i = 0; i < 100 && (await store.expiredDialogues(10)).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await store.expiredDialogues(10)).toEqual([a.state.id]);
    expect(await sweeper.sweep()).toBe(1);

    expect((await store.outcome(a.state.id))?.outcome.endedBy).toBe('timeout');
    expect(await store.load(a.state.id)).toBeNull();
    expect(await admin.zscore(old.expiryIndex(), a.state.id)).toBeNull();
    const types = publisher.events.filter((e) => e.subject?.includes(a.state.id)).map((e) => e.type);
    expect(types[0]).toBe('dialogue.initiate');
    expect(types.at(-1)).toBe('dialogue.resolve');
    expect(await admin.exists(old.outbox(a.state.id), old.outboxIndex())).toBe(0);
  });

  it('continues a previous-layout dialogue in progress: it accepts a turn, then ends', async () => {
    const { previous, store, publisher, relay, old } = setUp();
    const a = started('player-up-4');
    await previous.create(a.state, a.greeting, a.events);
    const first = turnOn(a.state, 'm-1');
    await previous.commitTurn(first);

    expect(await store.load(a.state.id)).toEqual(first.state);
    expect(await store.turnResult(a.state.id, 'm-1')).toEqual(first.result);
    // Documented: previous-layout dialogues do not count toward the player's cap, but they are listed.
    expect(await store.activeDialogues('player-up-4')).toBe(0);
    const fresh = started('player-up-4', store.newDialogueId('player-up-4'));
    await store.create(fresh.state, fresh.greeting, fresh.events);
    const listed = await store.listActiveDialogues('player-up-4', { limit: 10 });
    expect(listed.dialogues.map((d) => d.id).sort()).toEqual([a.state.id, fresh.state.id].sort());

    expect(await store.lockTurn(a.state.id, 'm-2', 30_000)).toEqual({ acquired: true });
    const second = turnOn(first.state, 'm-2');
    expect(await store.commitTurn(second)).toEqual({ ok: true });
    expect(await store.transcript(a.state.id)).toEqual([a.greeting, ...first.newTurns, ...second.newTurns]);
    // The commit released the lock, in the previous key names.
    expect(await admin.exists(old.turnLock(a.state.id))).toBe(0);
    expect(await admin.hget(old.state(a.state.id), 'v')).toBe(String(second.state.version));

    const end = ended(second.state);
    expect(await store.end(end)).toEqual({ ok: true });
    expect(await store.outcome(a.state.id)).toEqual({ playerId: 'player-up-4', outcome: end.outcome });
    expect(await admin.exists(old.state(a.state.id), old.transcript(a.state.id))).toBe(0);
    expect(await admin.zscore(old.expiryIndex(), a.state.id)).toBeNull();
    expect((await store.listActiveDialogues('player-up-4', { limit: 10 })).dialogues.map((d) => d.id)).toEqual([
      fresh.state.id,
    ]);

    await relay.flushAll();
    const published = publisher.events.filter((e) => e.subject?.includes(a.state.id)).map((e) => e.id);
    expect(published).toEqual([...a.events, ...first.events, ...second.events, ...end.events].map((e) => e.id));
    expect(await admin.exists(old.outbox(a.state.id), old.outboxIndex())).toBe(0);
  });
});
