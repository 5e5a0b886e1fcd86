import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { StoreUnavailable } from '../../domain/errors';
import { ConfigError } from '../../config';
import {
  describeDialogueExpiryContract,
  describeDialogueStoreContract,
  dialogueStoreFixtures,
} from './dialogue-store.contract';
import { dialogueKeys } from '../redis/dialogue-keys';
import { EXPIRY_GRACE_SECONDS } from '../../ports/dialogue-store';
import { RedisDialogueStore } from '../redis/redis-dialogue-store';
import { guardScriptSlots, type ScriptSlotReport } from './one-slot-guard';

// The in-memory adapter runs the same contract in dialogue-store.test.ts.
const { turnOn, ended } = dialogueStoreFixtures;
const started = (playerId = 'player-7') =>
  dialogueStoreFixtures.started(playerId, dialogueKeys('any:').newDialogueId(playerId));

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const filePrefix = `parley-test:${randomUUID()}:`;
let admin: Redis;
/** The client every store in this file uses: each script's KEYS are checked to share one cluster slot. */
let guarded: Redis;
let slots: ScriptSlotReport;

beforeAll(() => {
  admin = new Redis(REDIS_URL);
  guarded = new Redis(REDIS_URL);
  slots = guardScriptSlots(guarded);
});
afterAll(async () => {
  await deleteKeys(filePrefix);
  await admin.quit();
  await guarded.quit();
  // Every script the suites ran would run on a Redis Cluster: its keys all share one slot.
  expect(slots.scripts).toBeGreaterThan(100);
  expect(slots.crossSlot).toEqual([]);
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

// Redis keeps its own clock: the suite waits in real time with a 1 s TTL.
describeDialogueExpiryContract('RedisDialogueStore', async (ttlSeconds) => {
  const keyPrefix = newPrefix();
  const store = new RedisDialogueStore({ redis: guarded, keyPrefix, ttlSeconds });
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
  const store = new RedisDialogueStore({ redis: guarded, keyPrefix, ttlSeconds: 3600 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await deleteKeys(keyPrefix);
    },
  };
});

describe('the one-slot guard', () => {
  it('records a script whose keys span two slots', async () => {
    const redis = new Redis(REDIS_URL);
    const report = guardScriptSlots(redis);
    try {
      // Connected first: a command sent while connecting passes here twice (queued, then replayed).
      await redis.ping();
      await redis.eval('return 1', 2, `${filePrefix}{a}:x`, `${filePrefix}{a}:y`);
      await redis.eval('return 1', 2, `${filePrefix}{a}:x`, `${filePrefix}{b}:y`);
      expect(report.scripts).toBe(2);
      expect(report.crossSlot).toEqual([[`${filePrefix}{a}:x`, `${filePrefix}{b}:y`]]);
    } finally {
      await redis.quit();
    }
  });
});

describe('RedisDialogueStore (Redis only)', () => {
  it('sets TTLs: state, transcript, answer and outcome expire; the lock in ms; the outbox waits for its ack', async () => {
    const keyPrefix = newPrefix();
    const keys = dialogueKeys(keyPrefix);
    const store = RedisDialogueStore.connect(REDIS_URL, { keyPrefix, ttlSeconds: 120 });
    try {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      // Live keys outlive the idle deadline by the grace period, so a sweeper finds them to resolve.
      for (const key of [keys.state(state.id), keys.transcript(state.id)]) {
        expect(await admin.ttl(key)).toBeGreaterThan(100 + EXPIRY_GRACE_SECONDS);
        expect(await admin.ttl(key)).toBeLessThanOrEqual(120 + EXPIRY_GRACE_SECONDS);
      }
      const deadline = Number(await admin.zscore(keys.expiryIndexOf(state.id), state.id));
      const [seconds] = await admin.time();
      expect(deadline - Number(seconds) * 1000).toBeGreaterThan(100_000);
      expect(deadline - Number(seconds) * 1000).toBeLessThanOrEqual(121_000);
      expect(await admin.ttl(keys.outbox(state.id))).toBe(-1);

      // A commit is activity: it restarts the idle clock of the state and the transcript.
      await admin.expire(keys.state(state.id), 10);
      await admin.expire(keys.transcript(state.id), 10);
      const turn = turnOn(state, 'm-1');
      await store.commitTurn(turn);
      for (const key of [keys.state(state.id), keys.transcript(state.id), keys.turnResult(state.id, 'm-1')]) {
        expect(await admin.ttl(key)).toBeGreaterThan(100 + EXPIRY_GRACE_SECONDS);
      }

      await store.lockTurn(state.id, 'm-2', 30_000);
      const lockTtl = await admin.pttl(keys.turnLock(state.id));
      expect(lockTtl).toBeGreaterThan(20_000);
      expect(lockTtl).toBeLessThanOrEqual(30_000);

      await store.end(ended(turn.state));
      expect(await admin.ttl(keys.outcome(state.id))).toBeGreaterThan(100);
      expect(await admin.ttl(keys.outcome(state.id))).toBeLessThanOrEqual(120);
      expect(await admin.zscore(keys.expiryIndexOf(state.id), state.id)).toBeNull();
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
      const { state, greeting, events } = started();
      const calls: Array<() => Promise<unknown>> = [
        () => store.ping(),
        () => store.create(state, greeting, events),
        () => store.claimStart(state.playerId, 'k-1', { dialogueId: state.id, request: 'r' }),
        () => store.activeDialogues(state.playerId),
        () => store.load(state.id),
        () => store.transcript(state.id),
        () => store.lockTurn(state.id, 'm-1', 1000),
        () => store.unlockTurn(state.id, 'm-1'),
        () => store.turnResult(state.id, 'm-1'),
        () => store.commitTurn(turnOn(state, 'm-1')),
        () => store.end(ended(state)),
        () => store.outcome(state.id),
        () => store.outboxDialogues(10),
        () => store.pendingEvents(state.id, 10),
        () => store.ackOutbox(state.id, ['x']),
      ];
      const errors = await Promise.all(
        calls.map((call) =>
          call().then(
            () => null,
            (err: unknown) => err,
          ),
        ),
      );
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

describe('RedisDialogueStore start claims (Redis only)', () => {
  it("keeps a start claim for the dialogue keys' TTL, never refreshed by a later claim", async () => {
    const keyPrefix = newPrefix();
    const keys = dialogueKeys(keyPrefix);
    const store = new RedisDialogueStore({ redis: admin, keyPrefix, ttlSeconds: 120 });
    try {
      await store.claimStart('player-7', 'k-1', { dialogueId: randomUUID(), request: 'r' });
      const key = keys.startClaim('player-7', 'k-1');
      expect(await admin.ttl(key)).toBeGreaterThan(100 + EXPIRY_GRACE_SECONDS);
      expect(await admin.ttl(key)).toBeLessThanOrEqual(120 + EXPIRY_GRACE_SECONDS);
      await admin.expire(key, 50);
      await store.claimStart('player-7', 'k-1', { dialogueId: randomUUID(), request: 'r' });
      expect(await admin.ttl(key)).toBeLessThanOrEqual(50);
    } finally {
      await deleteKeys(keyPrefix);
    }
  });
});

describe('RedisDialogueStore per-player cap (Redis only)', () => {
  it('a dialogue whose keys outlived their deadline without a sweeper does not hold a slot', async () => {
    const keyPrefix = newPrefix();
    const keys = dialogueKeys(keyPrefix);
    const store = new RedisDialogueStore({ redis: guarded, keyPrefix, ttlSeconds: 120 });
    try {
      const a = started();
      expect(await store.create(a.state, a.greeting, a.events, { maxActivePerPlayer: 1 })).toEqual({ ok: true });
      const set = keys.playerDialogues('player-7');
      expect(await admin.zrange(set, 0, -1)).toEqual([a.state.id]);
      // The member is scored by the deadline of the dialogue's keys, and the set lives as long.
      const [seconds] = await admin.time();
      const score = Number(await admin.zscore(set, a.state.id)) - Number(seconds) * 1000;
      expect(score).toBeGreaterThan((100 + EXPIRY_GRACE_SECONDS) * 1000);
      expect(score).toBeLessThanOrEqual((121 + EXPIRY_GRACE_SECONDS) * 1000);
      expect(await admin.ttl(set)).toBeGreaterThan(100 + EXPIRY_GRACE_SECONDS);
      // A turn moves the deadline on.
      await admin.zadd(set, 'XX', Number(seconds) * 1000 + 5_000, a.state.id);
      expect(await store.commitTurn(turnOn(a.state, 'm-1'))).toEqual({ ok: true });
      expect(Number(await admin.zscore(set, a.state.id)) - Number(seconds) * 1000).toBeGreaterThan(100_000);
      // As if every pod had been scaled to zero past the grace period: the keys' deadline has passed.
      await admin.zadd(set, 'XX', Number(seconds) * 1000 - 1, a.state.id);
      const b = started();
      expect(await store.create(b.state, b.greeting, b.events, { maxActivePerPlayer: 1 })).toEqual({ ok: true });
      expect(await admin.zrange(set, 0, -1)).toEqual([b.state.id]);
      expect(await store.activeDialogues('player-7')).toBe(1);
    } finally {
      await deleteKeys(keyPrefix);
    }
  });

  it('drops from the expiry list an id whose keys are gone', async () => {
    const keyPrefix = newPrefix();
    const keys = dialogueKeys(keyPrefix);
    const store = new RedisDialogueStore({ redis: guarded, keyPrefix, ttlSeconds: 120 });
    try {
      const a = started();
      await store.create(a.state, a.greeting, a.events);
      await admin.zadd(keys.expiryIndexOf(a.state.id), 'XX', 1, a.state.id);
      await admin.del(keys.state(a.state.id));
      expect(await store.expiredDialogues(10)).toEqual([]);
      expect(await admin.zscore(keys.expiryIndexOf(a.state.id), a.state.id)).toBeNull();
    } finally {
      await deleteKeys(keyPrefix);
    }
  });

  it('refuses a dialogue id not made for its player, and keeps the bucket count it was first given', async () => {
    const keyPrefix = newPrefix();
    const store = new RedisDialogueStore({ redis: guarded, keyPrefix, ttlSeconds: 120 });
    const other = new RedisDialogueStore({ redis: guarded, keyPrefix, ttlSeconds: 120, indexShards: 32 });
    try {
      const keys = dialogueKeys(keyPrefix);
      let elsewhere = 0;
      while (keys.bucketOfPlayer(`p-${elsewhere}`) === keys.bucketOfPlayer('player-7')) elsewhere++;
      const a = dialogueStoreFixtures.started('player-7', store.newDialogueId(`p-${elsewhere}`));
      const b = dialogueStoreFixtures.started('player-7', randomUUID());
      for (const d of [a, b]) {
        await expect(store.create(d.state, d.greeting, d.events)).rejects.toThrow(/newDialogueId/);
      }
      await store.checkIndexShards();
      expect(await admin.get(dialogueKeys(keyPrefix).indexShards())).toBe('64');
      await expect(other.load(randomUUID())).rejects.toThrow(/REDIS_INDEX_SHARDS.*64 index shards, not 32/);
      await expect(other.checkIndexShards()).rejects.toBeInstanceOf(ConfigError);
    } finally {
      await deleteKeys(keyPrefix);
    }
  });
});
