import { Redis } from 'ioredis';

export type RedisConnectionOptions = {
  /** A command with no answer for this long fails (ioredis `commandTimeout`); default 2000 ms. */
  commandTimeoutMs?: number | undefined;
};

/**
 * The ioredis client every Redis adapter uses, with one option set. It connects at once, and while
 * it has never been ready commands wait in the offline queue (start-up does not race the
 * connection); after the first `ready` the queue is switched off, so during an outage each call
 * fails at once (the adapters turn that into `StoreUnavailable`, 503, retryable) instead of piling
 * up behind a dead socket while players wait. `maxRetriesPerRequest: 2` bounds how long a command
 * already sent survives reconnects; `commandTimeout` bounds a Redis that accepts the connection but
 * does not answer. Reconnects go on in the background, at most 500 ms apart, so adapters heal by
 * themselves. The caller owns the client and ends it with `closeRedis`.
 */
export function connectRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 2_000,
    // ioredis arms this timer on disconnect even for a socket already closed (Redis down): keep it
    // short so a process that closes its client is not held open for it.
    disconnectTimeout: 300,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    // A refused connect costs nothing: retry often, so work resumes soon after Redis answers again.
    retryStrategy: (attempt) => Math.min(attempt * 100, 500),
  });
  redis.once('ready', () => {
    redis.options.enableOfflineQueue = false;
  });
  // Connection errors reach callers through each command and `ping` (readiness); without a
  // listener ioredis would print every reconnect failure.
  redis.on('error', () => {});
  return redis;
}

/**
 * Ends a client from `connectRedis`: QUIT lets replies in flight arrive; a client that is not
 * connected has nothing to wait for (and a QUIT queued behind a dead socket would wait for a
 * reconnect that may never come), so it is disconnected at once, as it is when QUIT fails.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
