import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimiter } from '../../ports/rate-limiter';
import { closeRedis, connectRedis, type RedisClient, type RedisTarget } from './connection';

export type RateLimitOptions = {
  /** Names this limit's keys (e.g. `player`, `address`) so two limits never share a counter. */
  name: string;
  points: number;
  windowSeconds: number;
};

/**
 * `rate-limiter-flexible` behind the RateLimiter port: counters in Redis (one atomic script per
 * call) shared by every replica, or in this process's memory. The Redis limiter is insured by a
 * memory one, so a Redis outage degrades the limit to per-process instead of failing requests.
 */
export class FlexibleRateLimiter implements RateLimiter {
  private constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly redis: RedisClient | null,
  ) {}

  static memory(options: RateLimitOptions): FlexibleRateLimiter {
    return new FlexibleRateLimiter(
      new RateLimiterMemory({ keyPrefix: options.name, points: options.points, duration: options.windowSeconds }),
      null,
    );
  }

  /** Several limits may share one client (`ownsConnection` false for all but one, or close it yourself). */
  static redis(
    redis: RedisClient,
    options: RateLimitOptions & { keyPrefix: string; ownsConnection?: boolean },
  ): FlexibleRateLimiter {
    const limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${options.keyPrefix}ratelimit:${options.name}`,
      points: options.points,
      duration: options.windowSeconds,
      insuranceLimiter: new RateLimiterMemory({
        keyPrefix: options.name,
        points: options.points,
        duration: options.windowSeconds,
      }),
    });
    return new FlexibleRateLimiter(limiter, options.ownsConnection ? redis : null);
  }

  /**
   * A client for the limits of one process (`connectRedis`, with a shorter command timeout: a counter
   * must not hold a request up). Until its first `ready`, commands wait for the connection (a fresh pod
   * must not count alone); after that it fails fast while Redis is away and the insurance counts.
   */
  static connectRedis(target: RedisTarget | string): RedisClient {
    return connectRedis(target, { commandTimeoutMs: 1000 });
  }

  async consume(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }> {
    try {
      await this.limiter.consume(key);
      return { allowed: true };
    } catch (res) {
      if (res instanceof RateLimiterRes) return { allowed: false, retryAfterMs: res.msBeforeNext };
      // Neither store nor insurance answered: let the request through rather than fail it on a counter.
      return { allowed: true };
    }
  }

  async close(): Promise<void> {
    if (this.redis) await closeRedis(this.redis);
  }
}
