import type { ParleyEvent } from '../../domain/events';
import { EMPTY_PAIR, type Memory, type PairRecord } from '../../domain/memory';
import type { ForgetRequest, MemoryStore, PairWrite, SaveResult } from '../../ports/memory-store';
import { asStoreCall } from './redis-failure';
import {
  closeRedis,
  connectRedis,
  pingRedis,
  type RedisClient,
  type RedisConnectionOptions,
  type RedisTarget,
} from './connection';
import { memoryKeys, type MemoryKeys } from './memory-keys';
import { ACK_OUTBOX_LUA } from './outbox-ack';
import { BucketWalk } from './bucket-walk';
import { DEFAULT_INDEX_SHARDS, IndexShardsCheck } from './index-shards';

/*
 * One hash per player x character, written whole by one script that compares the version first: the
 * record, the player's index of characters and the events in the player's outbox change together or
 * not at all. Every key a script touches is declared in KEYS, and all carry the player's bucket tag
 * (the bucket's outbox index included): one cluster slot per script.
 */

/**
 * KEYS: pair, characters, outbox, outboxIndex.
 * ARGV: expectedVersion, newVersion, ttlSeconds (0 = none), characterId, playerId, fieldCount, ...field, value, ...events
 */
const SAVE = `
if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[1] then return 'version' end
local ttl = tonumber(ARGV[3])
local fields = tonumber(ARGV[6])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[2])
for i = 7, 6 + 2 * fields, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('SADD', KEYS[2], ARGV[4])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  local left = redis.call('TTL', KEYS[2])
  if left < ttl then redis.call('EXPIRE', KEYS[2], ttl) end
else
  redis.call('PERSIST', KEYS[2])
end
local first = 7 + 2 * fields
for i = first, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
if #ARGV >= first then redis.call('SADD', KEYS[4], ARGV[5]) end
return 'ok'
`;

/** KEYS: characters, ...pair keys. ARGV: ...characterIds (in KEYS order). Drops members whose pair expired; answers the rest. */
const CHARACTERS = `
local live = {}
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[i + 1]) == 1 then table.insert(live, ARGV[i])
  else redis.call('SREM', KEYS[1], ARGV[i]) end
end
return live
`;

/**
 * KEYS: characters, outbox, outboxIndex, ...pair keys.
 * ARGV: everything ('1' or '0'), playerId, count, ...characterIds, ...expectedVersions, ...events
 */
const FORGET = `
local n = tonumber(ARGV[3])
local listed = {}
for i = 1, n do
  listed[ARGV[3 + i]] = true
  if (redis.call('HGET', KEYS[3 + i], 'v') or '0') ~= ARGV[3 + n + i] then return 'version' end
end
if ARGV[1] == '1' then
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if not listed[id] then return 'version' end
  end
end
for i = 1, n do
  redis.call('DEL', KEYS[3 + i])
  redis.call('SREM', KEYS[1], ARGV[3 + i])
end
local first = 4 + 2 * n
for i = first, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
if #ARGV >= first then redis.call('SADD', KEYS[3], ARGV[2]) end
return 'ok'
`;

type Scripts = {
  parleyMemorySave(...args: Array<string | number>): Promise<'ok' | 'version'>;
  parleyMemoryCharacters(numberOfKeys: number, ...args: Array<string | number>): Promise<string[]>;
  parleyMemoryForget(numberOfKeys: number, ...args: Array<string | number>): Promise<'ok' | 'version'>;
  parleyMemoryAck(...args: Array<string | number>): Promise<number>;
};

export type RedisMemoryStoreOptions = {
  /** An ioredis client without its own `keyPrefix`; owned by the caller unless `ownsConnection`. */
  redis: RedisClient;
  /** Prepended to every key, separator included (e.g. `parley:`). */
  keyPrefix: string;
  /** Index buckets (`REDIS_INDEX_SHARDS`, 1..4096, default 64): the dialogue store's, for the same data. */
  indexShards?: number | undefined;
  ownsConnection?: boolean;
};

/**
 * Memories in Redis. Every Redis failure surfaces as `StoreUnavailable` (503, retryable) with the
 * ioredis error as its cause.
 */
export class RedisMemoryStore implements MemoryStore {
  private readonly redis: RedisClient;
  private readonly scripts: Scripts;
  private readonly keys: MemoryKeys;
  private readonly ownsConnection: boolean;
  private readonly shardsCheck: IndexShardsCheck;
  private readonly outboxWalk: BucketWalk;

  constructor(options: RedisMemoryStoreOptions) {
    this.redis = options.redis;
    this.keys = memoryKeys(options.keyPrefix, options.indexShards ?? DEFAULT_INDEX_SHARDS);
    this.shardsCheck = new IndexShardsCheck(this.redis, options.keyPrefix, this.keys.shards, 'memory store');
    this.outboxWalk = new BucketWalk(Array.from({ length: this.keys.shards }, (_, b) => this.keys.outboxIndex(b)));
    this.ownsConnection = options.ownsConnection ?? false;
    this.redis.defineCommand('parleyMemorySave', { numberOfKeys: 4, lua: SAVE });
    // Key counts vary with the player's characters: given per call.
    this.redis.defineCommand('parleyMemoryCharacters', { lua: CHARACTERS });
    this.redis.defineCommand('parleyMemoryForget', { lua: FORGET });
    this.redis.defineCommand('parleyMemoryAck', { numberOfKeys: 2, lua: ACK_OUTBOX_LUA });
    this.scripts = this.redis as unknown as Scripts;
  }

  /** A store on its own client (closed by `close`), connected as every Redis adapter is. */
  static connect(
    target: RedisTarget | string,
    options: { keyPrefix: string; indexShards?: number | undefined } & RedisConnectionOptions,
  ): RedisMemoryStore {
    return new RedisMemoryStore({
      redis: connectRedis(target, options),
      keyPrefix: options.keyPrefix,
      indexShards: options.indexShards,
      ownsConnection: true,
    });
  }

  /** As `RedisDialogueStore.checkIndexShards`: the bucket count the data was written with, checked once. */
  checkIndexShards(): Promise<void> {
    return this.shardsCheck.ensure();
  }

  async load(playerId: string, characterId: string): Promise<PairRecord> {
    const hash = await this.call(() => this.redis.hgetall(this.keys.pair(playerId, characterId)));
    if (hash.v === undefined) return structuredClone(EMPTY_PAIR);
    const memories: Memory[] = [];
    for (const [field, json] of Object.entries(hash)) if (field.startsWith('m:')) memories.push(decode<Memory>(json));
    // Hash fields have no order: keep the record's stable (oldest first).
    memories.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return {
      version: Number(hash.v),
      relationship: hash.r ? decode(hash.r) : null,
      memories,
      endings: hash.e ? decode(hash.e) : [],
    };
  }

  async save(write: PairWrite): Promise<SaveResult> {
    const { playerId, characterId, record } = write;
    const fields: string[] = [];
    if (record.relationship) fields.push('r', JSON.stringify(record.relationship));
    fields.push('e', JSON.stringify(record.endings));
    for (const memory of record.memories) fields.push(`m:${memory.id}`, JSON.stringify(memory));
    const k = this.keys;
    const answer = await this.call(() =>
      this.scripts.parleyMemorySave(
        k.pair(playerId, characterId),
        k.characters(playerId),
        k.outbox(playerId),
        k.outboxIndexOf(playerId),
        String(write.expectedVersion),
        String(write.expectedVersion + 1),
        Math.max(0, Math.ceil(write.ttlSeconds ?? 0)),
        characterId,
        playerId,
        fields.length / 2,
        ...fields,
        ...write.events.map((e) => JSON.stringify(e)),
      ),
    );
    return answer === 'ok' ? { ok: true } : { ok: false, reason: 'version' };
  }

  async characters(playerId: string): Promise<string[]> {
    const members = await this.call(() => this.redis.smembers(this.keys.characters(playerId)));
    if (members.length === 0) return [];
    const live = await this.call(() =>
      this.scripts.parleyMemoryCharacters(
        1 + members.length,
        this.keys.characters(playerId),
        ...members.map((id) => this.keys.pair(playerId, id)),
        ...members,
      ),
    );
    return live.sort();
  }

  async forget(request: ForgetRequest): Promise<SaveResult> {
    const { playerId, pairs } = request;
    const k = this.keys;
    const answer = await this.call(() =>
      this.scripts.parleyMemoryForget(
        3 + pairs.length,
        k.characters(playerId),
        k.outbox(playerId),
        k.outboxIndexOf(playerId),
        ...pairs.map((p) => k.pair(playerId, p.characterId)),
        request.everything ? '1' : '0',
        playerId,
        pairs.length,
        ...pairs.map((p) => p.characterId),
        ...pairs.map((p) => String(p.expectedVersion)),
        ...request.events.map((e) => JSON.stringify(e)),
      ),
    );
    return answer === 'ok' ? { ok: true } : { ok: false, reason: 'version' };
  }

  async outboxPlayers(limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return this.call(async () => {
      const found = await this.outboxWalk.collect(limit, (index, n) => this.redis.srandmember(index, n));
      return found.map(({ id }) => id);
    });
  }

  async pendingEvents(playerId: string, limit: number): Promise<ParleyEvent[]> {
    if (limit <= 0) return [];
    const items = await this.call(() => this.redis.lrange(this.keys.outbox(playerId), 0, limit - 1));
    return items.map((json) => decode<ParleyEvent>(json));
  }

  async ackOutbox(playerId: string, eventIds: string[]): Promise<void> {
    await this.call(() =>
      this.scripts.parleyMemoryAck(
        this.keys.outbox(playerId),
        this.keys.outboxIndexOf(playerId),
        playerId,
        ...eventIds,
      ),
    );
  }

  async ping(): Promise<void> {
    await this.call(() => pingRedis(this.redis));
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await closeRedis(this.redis);
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    await this.checkIndexShards();
    return asStoreCall('memory store', run);
  }
}

/** Only this adapter writes these keys, from values the domain built; they are not re-validated on read. */
function decode<T>(json: string): T {
  return JSON.parse(json) as T;
}
