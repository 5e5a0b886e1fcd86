import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A client whose connection is closed for good: every command rejects at once, as with Redis down. */
export function closedRedisClient(): Redis {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  redis.disconnect();
  return redis;
}

/** Remove every key a test wrote under its prefixes. */
export async function deleteKeysUnder(prefixes: string[]): Promise<void> {
  const admin = new Redis(REDIS_URL);
  try {
    for (const prefix of prefixes) {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
    }
  } finally {
    await admin.quit();
  }
}
