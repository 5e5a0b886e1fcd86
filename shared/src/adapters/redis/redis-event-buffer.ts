import type { ParleyEvent } from '../../domain/events';
import type { EventBuffer } from '../../ports/event-buffer';
import { closeRedis, connectRedis, pingRedis, type RedisClient, type RedisTarget } from './connection';
import { asStoreCall } from './redis-failure';

/** KEYS: list. ARGV: ...eventIds. Pops head events while their id is the next listed one. */
const ACK_HEAD = `
local n = 0
for i = 1, #ARGV do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then break end
  if cjson.decode(head)['id'] ~= ARGV[i] then break end
  redis.call('LPOP', KEYS[1])
  n = n + 1
end
return n
`;

type Scripts = { parleyAckBufferHead(...args: string[]): Promise<number> };

/**
 * An EventBuffer in one Redis list (`<keyPrefix>outbox:<name>`, e.g. `parley:outbox:ai-generate`),
 * shared by every replica of the process that owns it: durable across restarts, walked by each
 * replica's relay. Redis failures surface as `StoreUnavailable`.
 */
export class RedisEventBuffer implements EventBuffer {
  private readonly key: string;
  private readonly scripts: Scripts;

  constructor(
    private readonly redis: RedisClient,
    options: { keyPrefix: string; name: string },
    private readonly ownsConnection = false,
  ) {
    this.key = `${options.keyPrefix}outbox:${options.name}`;
    this.redis.defineCommand('parleyAckBufferHead', { numberOfKeys: 1, lua: ACK_HEAD });
    this.scripts = this.redis as unknown as Scripts;
  }

  static connect(target: RedisTarget | string, options: { keyPrefix: string; name: string }): RedisEventBuffer {
    return new RedisEventBuffer(connectRedis(target), options, true);
  }

  async append(events: ParleyEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.call(() => this.redis.rpush(this.key, ...events.map((e) => JSON.stringify(e))));
  }

  async head(limit: number): Promise<ParleyEvent[]> {
    const items = await this.call(() => this.redis.lrange(this.key, 0, limit - 1));
    return items.map((item) => JSON.parse(item) as ParleyEvent);
  }

  async ack(eventIds: string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.call(() => this.scripts.parleyAckBufferHead(this.key, ...eventIds));
  }

  async ping(): Promise<void> {
    await this.call(() => pingRedis(this.redis));
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await closeRedis(this.redis);
  }

  private call<T>(run: () => Promise<T>): Promise<T> {
    return asStoreCall('event outbox', run);
  }
}
