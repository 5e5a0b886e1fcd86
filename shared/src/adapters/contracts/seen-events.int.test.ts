import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisSeenEvents } from '../redis/redis-seen-events';
import { describeSeenEventsContract } from './seen-events.contract';
import { REDIS_URL, closedRedisClient, deleteKeysUnder } from '../../../../test/support/redis-test-kit';

const prefixes: string[] = [];
describeSeenEventsContract('redis', async () => {
  const keyPrefix = `test:${randomUUID()}:`;
  prefixes.push(keyPrefix);
  return RedisSeenEvents.connect(REDIS_URL, { keyPrefix, ttlSeconds: 600 });
});

afterAll(async () => {
  await deleteKeysUnder(prefixes);
});

describe('RedisSeenEvents', () => {
  it('sets the key with a TTL', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    const seen = RedisSeenEvents.connect(REDIS_URL, { keyPrefix, ttlSeconds: 600 });
    const admin = new Redis(REDIS_URL);
    try {
      await seen.firstTime('ev');
      const ttl = await admin.ttl(RedisSeenEvents.key(keyPrefix, 'ev'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600);
    } finally {
      await seen.close();
      await admin.quit();
    }
  });

  it('answers StoreUnavailable when Redis is away', async () => {
    const seen = new RedisSeenEvents(closedRedisClient(), { keyPrefix: 'unused:' });
    try {
      await expect(seen.firstTime('e')).rejects.toMatchObject({ code: 'StoreUnavailable' });
    } finally {
      await seen.close();
    }
  });
});
