import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describeAnalyticsStoreContract } from './analytics-store.contract';
import { RedisAnalyticsStore } from '../redis/redis-analytics-store';
import { connectRedis } from '../redis/connection';
import { guardScriptSlots, type ScriptSlotReport } from './one-slot-guard';
import { REDIS_URL, closedRedisClient, deleteKeysUnder } from '../../../../test/support/redis-test-kit';

const prefixes: string[] = [];
const slots: ScriptSlotReport[] = [];
describeAnalyticsStoreContract('redis', async () => {
  const keyPrefix = `test:${randomUUID()}:`;
  prefixes.push(keyPrefix);
  // Each script's KEYS are checked to share one cluster slot.
  const redis = connectRedis(REDIS_URL) as Redis;
  slots.push(guardScriptSlots(redis));
  return new RedisAnalyticsStore(redis, { keyPrefix });
});
afterAll(() => {
  expect(slots.reduce((n, r) => n + r.scripts, 0)).toBeGreaterThan(0);
  expect(slots.flatMap((r) => r.crossSlot)).toEqual([]);
});

describe('RedisAnalyticsStore', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await admin.quit();
    await deleteKeysUnder(prefixes);
  });

  it('keeps the seen id with a TTL and the counters in one hash under its prefix', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    const store = RedisAnalyticsStore.connect(REDIS_URL, { keyPrefix, seenTtlSeconds: 600 });
    try {
      await store.record('ev-1', { a: 1 });
      const ttl = await admin.ttl(`${keyPrefix}{analytics}:seen:ev-1`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600);
      expect(await admin.hgetall(`${keyPrefix}{analytics}:counters`)).toEqual({ a: '1' });
    } finally {
      await store.close();
    }
  });

  it('answers StoreUnavailable when Redis is away', async () => {
    const store = new RedisAnalyticsStore(closedRedisClient(), { keyPrefix: 'unused:' });
    try {
      await expect(store.record('e', { a: 1 })).rejects.toMatchObject({ code: 'StoreUnavailable' });
      await expect(store.ping()).rejects.toMatchObject({ code: 'StoreUnavailable' });
    } finally {
      await store.close();
    }
  });
});
