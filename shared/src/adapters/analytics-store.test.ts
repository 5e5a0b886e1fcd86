import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describeAnalyticsStoreContract } from './analytics-store.contract';
import { MemoryAnalyticsStore } from './memory-analytics-store';
import { RedisAnalyticsStore } from './redis-analytics-store';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describeAnalyticsStoreContract('memory', async () => new MemoryAnalyticsStore());

const prefixes: string[] = [];
describeAnalyticsStoreContract('redis', async () => {
  const keyPrefix = `test:${randomUUID()}:`;
  prefixes.push(keyPrefix);
  return RedisAnalyticsStore.connect(REDIS_URL, { keyPrefix });
});

describe('RedisAnalyticsStore', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const prefix of prefixes) {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
    }
    await admin.quit();
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
    // Never connected and no offline queue: every command fails at once, as with Redis down.
    const store = new RedisAnalyticsStore(new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false }), {
      keyPrefix: 'unused:',
    });
    try {
      await expect(store.record('e', { a: 1 })).rejects.toMatchObject({ code: 'StoreUnavailable' });
      await expect(store.ping()).rejects.toMatchObject({ code: 'StoreUnavailable' });
    } finally {
      await store.close();
    }
  });
});
