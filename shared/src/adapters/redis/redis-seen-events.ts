import type { SeenEvents } from '../../ports/seen-events';
import { asStoreCall } from './redis-failure';
import { closeRedis, connectRedis, pingRedis, type RedisClient, type RedisTarget } from './connection';

const DEFAULT_TTL_SECONDS = 3 * 24 * 3600;

/** `SeenEvents` shared by every pod: one SET NX EX per event id. */
export class RedisSeenEvents implements SeenEvents {
  private readonly ttlSeconds: number;
  constructor(
    private readonly redis: RedisClient,
    private readonly options: { keyPrefix: string; ttlSeconds?: number },
  ) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  }

  /** A seen-id memory on its own client (`connectRedis`; a string is a single-node URL). */
  static connect(target: RedisTarget | string, options: { keyPrefix: string; ttlSeconds?: number }): RedisSeenEvents {
    return new RedisSeenEvents(connectRedis(target), options);
  }

  /** Give each subscriber its own `keyPrefix`: each must see every event once. */
  static key(prefix: string, eventId: string): string {
    return `${prefix}seen:${eventId}`;
  }

  async firstTime(eventId: string): Promise<boolean> {
    const set = await this.call('firstTime', () =>
      this.redis.set(RedisSeenEvents.key(this.options.keyPrefix, eventId), '1', 'EX', this.ttlSeconds, 'NX'),
    );
    return set === 'OK';
  }

  async ping(): Promise<void> {
    await this.call('ping', () => pingRedis(this.redis));
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }

  private call<T>(what: string, run: () => Promise<T>): Promise<T> {
    return asStoreCall(`seen events (${what})`, run);
  }
}
