import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Redis from 'ioredis';
import { StoreUnavailable } from '../../domain/errors';
import { eventSource } from '../../domain/events';
import { chooseGoalAndStrategy, endDialogue, startDialogue, applyTurn } from '../../domain/transitions';
import { describeDialogueExpiryContract, describeDialogueStoreContract } from './dialogue-store.contract';
import { dialogueKeys } from '../redis/dialogue-keys';
import { loadCharacterCatalog } from '../file/file-character-catalog';
import { InMemoryDialogueStore } from '../memory/memory-dialogue-store';
import { EXPIRY_GRACE_SECONDS } from '../../ports/dialogue-store';
import { RedisDialogueStore } from '../redis/redis-dialogue-store';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const filePrefix = `parley-test:${randomUUID()}:`;
let admin: Redis;

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterAll(async () => {
  await deleteKeys(filePrefix);
  await admin.quit();
});

async function deleteKeys(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

const newPrefix = () => `${filePrefix}${randomUUID().slice(0, 8)}:`;

describeDialogueStoreContract('InMemoryDialogueStore', async () => {
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  const store = new InMemoryDialogueStore({ ttlSeconds: 3600, now: () => clock });
  return {
    store,
    cleanup: () => store.close(),
    advanceTime: async (ms) => {
      clock += ms;
    },
  };
});

describeDialogueExpiryContract('InMemoryDialogueStore', async (ttlSeconds) => {
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  const store = new InMemoryDialogueStore({ ttlSeconds, now: () => clock });
  return { store, cleanup: () => store.close(), advanceTime: async (ms) => void (clock += ms) };
});

// Redis keeps its own clock: the suite waits in real time with a 1 s TTL.
describeDialogueExpiryContract('RedisDialogueStore', async (ttlSeconds) => {
  const keyPrefix = newPrefix();
  const store = new RedisDialogueStore({ redis: admin, keyPrefix, ttlSeconds });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await deleteKeys(keyPrefix);
    },
  };
});

// The caller owns the client here: one connection for the whole file, a fresh prefix per test.
describeDialogueStoreContract('RedisDialogueStore', async () => {
  const keyPrefix = newPrefix();
  const store = new RedisDialogueStore({ redis: admin, keyPrefix, ttlSeconds: 3600 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await deleteKeys(keyPrefix);
    },
  };
});

const character = loadCharacterCatalog(join(__dirname, '../../../../content/characters')).get('innkeeper-mara')!;
const { goal, strategy } = chooseGoalAndStrategy(character, 'learn-rumour');
const ctx = { source: eventSource('dialogue-store-test'), now: new Date('2030-01-01T12:00:00.000Z') };
const appraisal = { emotion: 'pleased', intensity: 0.5, valence: 0.2, opinionDelta: 2, goalProgressDelta: 0.1, reasons: ['flattered'] };

function aDialogue() {
  return startDialogue({ id: randomUUID(), playerId: 'player-7', character, goal, strategy, greetingText: character.greeting, options: [], ctx });
}
function aTurn(state: ReturnType<typeof aDialogue>['state'], messageId: string) {
  const applied = applyTurn(state, { playerText: 'Hello.', strategyId: strategy.id, replyText: 'Hm.', appraisal, nextOptions: [] }, ctx);
  return { expectedVersion: state.version, messageId, ...applied };
}

describe('dialogueKeys', () => {
  it('puts every key of a dialogue in one cluster slot and under the prefix', () => {
    const keys = dialogueKeys('parley:');
    const id = randomUUID();
    const perDialogue = [keys.state(id), keys.transcript(id), keys.turnLock(id), keys.turnResult(id, 'm-1'), keys.outcome(id), keys.outbox(id)];
    for (const key of perDialogue) {
      expect(key.startsWith('parley:')).toBe(true);
      // Redis hashes only the text between the first `{` and the next `}`.
      expect(key.slice(key.indexOf('{') + 1, key.indexOf('}'))).toBe(id);
    }
    expect(new Set(perDialogue).size).toBe(perDialogue.length);
    expect(keys.turnResult(id, 'm-1')).not.toBe(keys.turnResult(id, 'm-2'));
    expect(keys.outboxIndex()).toBe('parley:outbox:index');
  });
});

describe('InMemoryDialogueStore expiry', () => {
  it('lists an idle dialogue as expired after ttlSeconds, forgets it after the grace period, keeps the outbox', async () => {
    let clock = 0;
    const store = new InMemoryDialogueStore({ ttlSeconds: 60, now: () => clock });
    const { state, greeting, events } = aDialogue();
    await store.create(state, greeting, events);
    clock += 59_000;
    const turn = aTurn(state, 'm-1');
    expect(await store.commitTurn(turn)).toEqual({ ok: true });
    // The commit refreshed the idle deadline.
    clock += 59_000;
    expect(await store.load(state.id)).toEqual(turn.state);
    expect(await store.expiredDialogues(10)).toEqual([]);
    clock += 1_000;
    // Past the deadline it waits for a sweeper; the keys outlive it by the grace period.
    expect(await store.expiredDialogues(10)).toEqual([state.id]);
    expect(await store.load(state.id)).toEqual(turn.state);
    clock += EXPIRY_GRACE_SECONDS * 1000;
    expect(await store.load(state.id)).toBeNull();
    expect(await store.expiredDialogues(10)).toEqual([]);
    expect(await store.transcript(state.id)).toEqual([]);
    expect(await store.turnResult(state.id, 'm-1')).toBeNull();
    expect(await store.pendingEvents(state.id, 10)).toHaveLength(2);

    const other = aDialogue();
    await store.create(other.state, other.greeting, other.events);
    const end = endDialogue(other.state, { character, summary: 's', endedBy: 'player' }, ctx);
    await store.end({ dialogueId: other.state.id, playerId: other.state.playerId, expectedVersion: 0, ...end });
    clock += 59_999;
    expect(await store.outcome(other.state.id)).not.toBeNull();
    clock += 1;
    expect(await store.outcome(other.state.id)).toBeNull();
  });

  it('stores copies of what it is given', async () => {
    const store = new InMemoryDialogueStore({ ttlSeconds: 60 });
    const { state, greeting, events } = aDialogue();
    await store.create(state, greeting, events);
    greeting.text = 'changed';
    events[0]!.id = 'changed';
    expect((await store.transcript(state.id))[0]!.text).toBe(character.greeting);
    expect((await store.pendingEvents(state.id, 1))[0]!.id).not.toBe('changed');
  });
});

describe('RedisDialogueStore (Redis only)', () => {
  it('sets TTLs: state, transcript, answer and outcome expire; the lock in ms; the outbox waits for its ack', async () => {
    const keyPrefix = newPrefix();
    const keys = dialogueKeys(keyPrefix);
    const store = RedisDialogueStore.connect(REDIS_URL, { keyPrefix, ttlSeconds: 120 });
    try {
      const { state, greeting, events } = aDialogue();
      await store.create(state, greeting, events);
      // Live keys outlive the idle deadline by the grace period, so a sweeper finds them to resolve.
      for (const key of [keys.state(state.id), keys.transcript(state.id)]) {
        expect(await admin.ttl(key)).toBeGreaterThan(100 + EXPIRY_GRACE_SECONDS);
        expect(await admin.ttl(key)).toBeLessThanOrEqual(120 + EXPIRY_GRACE_SECONDS);
      }
      const deadline = Number(await admin.zscore(keys.expiryIndex(), state.id));
      const [seconds] = await admin.time();
      expect(deadline - Number(seconds) * 1000).toBeGreaterThan(100_000);
      expect(deadline - Number(seconds) * 1000).toBeLessThanOrEqual(121_000);
      expect(await admin.ttl(keys.outbox(state.id))).toBe(-1);

      // A commit is activity: it restarts the idle clock of the state and the transcript.
      await admin.expire(keys.state(state.id), 10);
      await admin.expire(keys.transcript(state.id), 10);
      const turn = aTurn(state, 'm-1');
      await store.commitTurn(turn);
      for (const key of [keys.state(state.id), keys.transcript(state.id), keys.turnResult(state.id, 'm-1')]) {
        expect(await admin.ttl(key)).toBeGreaterThan(100 + EXPIRY_GRACE_SECONDS);
      }

      await store.lockTurn(state.id, 'm-2', 30_000);
      const lockTtl = await admin.pttl(keys.turnLock(state.id));
      expect(lockTtl).toBeGreaterThan(20_000);
      expect(lockTtl).toBeLessThanOrEqual(30_000);

      const end = endDialogue(turn.state, { character, summary: 's', endedBy: 'player' }, ctx);
      await store.end({ dialogueId: state.id, playerId: state.playerId, expectedVersion: turn.state.version, ...end });
      expect(await admin.ttl(keys.outcome(state.id))).toBeGreaterThan(100);
      expect(await admin.ttl(keys.outcome(state.id))).toBeLessThanOrEqual(120);
      expect(await admin.zscore(keys.expiryIndex(), state.id)).toBeNull();
      expect(await admin.exists(keys.state(state.id), keys.transcript(state.id), keys.turnLock(state.id))).toBe(0);
      expect(await admin.ttl(keys.outbox(state.id))).toBe(-1);
      await store.ping();
    } finally {
      await store.close();
      await deleteKeys(keyPrefix);
    }
  });

  it('answers StoreUnavailable, with the cause, from every method when Redis is down', async () => {
    const store = RedisDialogueStore.connect('redis://127.0.0.1:1', { keyPrefix: newPrefix(), ttlSeconds: 60 });
    try {
      const { state, greeting, events } = aDialogue();
      const end = endDialogue(state, { character, summary: 's', endedBy: 'player' }, ctx);
      const calls: Array<() => Promise<unknown>> = [
        () => store.ping(),
        () => store.create(state, greeting, events),
        () => store.activeDialogues(state.playerId),
        () => store.load(state.id),
        () => store.transcript(state.id),
        () => store.lockTurn(state.id, 'm-1', 1000),
        () => store.unlockTurn(state.id, 'm-1'),
        () => store.turnResult(state.id, 'm-1'),
        () => store.commitTurn(aTurn(state, 'm-1')),
        () => store.end({ dialogueId: state.id, playerId: state.playerId, expectedVersion: 0, ...end }),
        () => store.outcome(state.id),
        () => store.outboxDialogues(10),
        () => store.pendingEvents(state.id, 10),
        () => store.ackOutbox(state.id, ['x']),
      ];
      const errors = await Promise.all(calls.map((call) => call().then(() => null, (err: unknown) => err)));
      for (const err of errors) {
        expect(err).toBeInstanceOf(StoreUnavailable);
        expect((err as StoreUnavailable).retryable).toBe(true);
        expect((err as StoreUnavailable).cause).toBeInstanceOf(Error);
      }
    } finally {
      await store.close();
    }
  }, 5_000);

  it('answers StoreUnavailable at once on a closed connection instead of queueing', async () => {
    const redis = new Redis(REDIS_URL);
    await redis.ping();
    redis.options.enableOfflineQueue = false;
    redis.disconnect();
    const store = new RedisDialogueStore({ redis, keyPrefix: newPrefix(), ttlSeconds: 60 });
    await expect(store.load(randomUUID())).rejects.toBeInstanceOf(StoreUnavailable);
    await store.close();
  });
});

describe('RedisDialogueStore per-player cap (Redis only)', () => {
  it('a dialogue whose keys vanished without a sweeper does not hold a slot', async () => {
    const keyPrefix = newPrefix();
    const keys = dialogueKeys(keyPrefix);
    const store = new RedisDialogueStore({ redis: admin, keyPrefix, ttlSeconds: 120 });
    try {
      const a = aDialogue();
      expect(await store.create(a.state, a.greeting, a.events, { maxActivePerPlayer: 1 })).toEqual({ ok: true });
      expect(await admin.smembers(keys.playerDialogues('player-7'))).toEqual([a.state.id]);
      const setTtl = await admin.ttl(keys.playerDialogues('player-7'));
      expect(setTtl).toBeGreaterThan(100 + EXPIRY_GRACE_SECONDS);
      // As if every pod had been scaled to zero past the grace period: the live keys are gone.
      await admin.del(keys.state(a.state.id), keys.transcript(a.state.id));
      const b = aDialogue();
      expect(await store.create(b.state, b.greeting, b.events, { maxActivePerPlayer: 1 })).toEqual({ ok: true });
      expect(await admin.smembers(keys.playerDialogues('player-7'))).toEqual([b.state.id]);
      expect(await store.activeDialogues('player-7')).toBe(1);
    } finally {
      await deleteKeys(keyPrefix);
    }
  });
});
