import { checkIncrements, type AnalyticsStore } from '../../ports/analytics-store';
import { asStoreCall } from './redis-failure';
import { closeRedis, connectRedis, pingRedis, type RedisClient, type RedisTarget } from './connection';

/**
 * Key names in one place. The `{analytics}` hash tag keeps the seen-id keys and the counters in one
 * cluster slot, so the script below may touch them together.
 */
export function analyticsKeys(prefix: string) {
  return {
    counters: `${prefix}{analytics}:counters`,
    seen: (eventId: string) => `${prefix}{analytics}:seen:${eventId}`,
  };
}

/**
 * KEYS[1] seen-id key, KEYS[2] counters hash; ARGV[1] ttl seconds, then name, amount pairs.
 * A script runs atomically, so marking the id and adding the increments cannot be split by a
 * concurrent delivery of the same event. Amounts are checked before the call: HINCRBYFLOAT then
 * cannot fail half-way.
 */
const RECORD_SCRIPT = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
for i = 2, #ARGV, 2 do
  redis.call('HINCRBYFLOAT', KEYS[2], ARGV[i], ARGV[i + 1])
end
return 1
`;

type RecordCommand = (
  seenKey: string,
  countersKey: string,
  ttlSeconds: number,
  ...pairs: Array<string | number>
) => Promise<number>;

const DEFAULT_SEEN_TTL_SECONDS = 3 * 24 * 3600;

export class RedisAnalyticsStore implements AnalyticsStore {
  private readonly keys: ReturnType<typeof analyticsKeys>;
  private readonly seenTtlSeconds: number;
  private readonly recordCommand: RecordCommand;

  constructor(
    private readonly redis: RedisClient,
    options: { keyPrefix: string; seenTtlSeconds?: number },
  ) {
    this.keys = analyticsKeys(options.keyPrefix);
    this.seenTtlSeconds = options.seenTtlSeconds ?? DEFAULT_SEEN_TTL_SECONDS;
    // defineCommand sends EVALSHA and falls back to EVAL when the script cache was flushed.
    if (!('parleyAnalyticsRecord' in redis))
      redis.defineCommand('parleyAnalyticsRecord', { numberOfKeys: 2, lua: RECORD_SCRIPT });
    const command = (redis as unknown as { parleyAnalyticsRecord: RecordCommand }).parleyAnalyticsRecord;
    this.recordCommand = command.bind(redis);
  }

  static connect(
    target: RedisTarget | string,
    options: { keyPrefix: string; seenTtlSeconds?: number },
  ): RedisAnalyticsStore {
    // Fail a command fast when Redis is away, so the caller answers 503 and the broker redelivers.
    return new RedisAnalyticsStore(connectRedis(target), options);
  }

  async record(eventId: string, increments: Record<string, number>): Promise<boolean> {
    checkIncrements(increments);
    const pairs = Object.entries(increments).flatMap(([name, amount]) => [name, String(amount)]);
    const applied = await this.call('record', () =>
      this.recordCommand(this.keys.seen(eventId), this.keys.counters, this.seenTtlSeconds, ...pairs),
    );
    return applied === 1;
  }

  async counters(): Promise<Record<string, number>> {
    const raw = await this.call('read counters', () => this.redis.hgetall(this.keys.counters));
    return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, Number(value)]));
  }

  async ping(): Promise<void> {
    await this.call('ping', () => pingRedis(this.redis));
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }

  private call<T>(what: string, run: () => Promise<T>): Promise<T> {
    return asStoreCall(`analytics store (${what})`, run);
  }
}
