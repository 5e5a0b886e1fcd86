import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from './connection';
import { ConfigError } from '../../config';
import { StoreUnavailable } from '../../domain/errors';

/** Buckets when `REDIS_INDEX_SHARDS` is not set. */
export const DEFAULT_INDEX_SHARDS = 64;
/** The most buckets a layout may have (a bucket number fits the 16 bits a dialogue id keeps for it). */
export const MAX_INDEX_SHARDS = 4096;

/** Throws unless `shards` is an integer in 1..MAX_INDEX_SHARDS. */
export function checkShardCount(shards: number): number {
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_INDEX_SHARDS) {
    throw new Error(`index shards must be an integer in 1..${MAX_INDEX_SHARDS}, got ${shards}`);
  }
  return shards;
}

/**
 * The bucket of a player: the first 8 hex digits of SHA-256(playerId) read as an unsigned 32-bit
 * number, modulo `shards`. Every key of the player (its dialogues, its live-dialogue set, its memory)
 * and the bucket's own indexes carry this bucket's hash tag, so one script never leaves one slot.
 */
export function bucketOfPlayer(playerId: string, shards: number): number {
  return parseInt(createHash('sha256').update(playerId).digest('hex').slice(0, 8), 16) % shards;
}

/** The Redis Cluster hash tag of a bucket (the text between the braces): `b:<bucket>`. */
export function bucketTag(bucket: number): string {
  return `b:${bucket}`;
}

/**
 * A new dialogue id that says where the dialogue lives: an RFC 9562 UUIDv8 (version nibble 8,
 * variant 10) whose first 16 bits are the bucket, the other 106 free bits random. It is a valid
 * UUID for every schema that checks one. `random` (16 bytes) is for tests.
 */
export function dialogueIdInBucket(bucket: number, random: Uint8Array = randomBytes(16)): string {
  if (!Number.isInteger(bucket) || bucket < 0 || bucket > 0xffff) throw new Error(`bad bucket ${bucket}`);
  const b = Uint8Array.from(random.subarray(0, 16));
  if (b.length !== 16) throw new Error('dialogueIdInBucket: 16 random bytes needed');
  b[0] = bucket >> 8;
  b[1] = bucket & 0xff;
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const V8_ID = /^([0-9a-f]{4})[0-9a-f]{4}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The bucket a dialogue id carries, or null for an id of the previous layout (any UUID that is not
 * a lowercase v8: those dialogues keep their old key names until they end).
 */
export function bucketOfDialogueId(dialogueId: string): number | null {
  const match = V8_ID.exec(dialogueId);
  return match ? parseInt(match[1]!, 16) : null;
}

/** The key that records how many buckets the data under a prefix was written with. */
export function indexShardsKey(prefix: string): string {
  return `${prefix}meta:index-shards`;
}

/**
 * Records the bucket count on first use and refuses a different one later: a changed count would
 * move players to other buckets and orphan every key already written (indexes nobody walks, players
 * whose dialogues are looked up in the wrong slot). Throws `ConfigError` naming `REDIS_INDEX_SHARDS`
 * on a mismatch; Redis failures reach the caller as ioredis errors.
 */
export async function assertIndexShards(redis: RedisClient, prefix: string, shards: number): Promise<void> {
  const key = indexShardsKey(prefix);
  const set = await redis.set(key, String(shards), 'NX');
  if (set === 'OK') return;
  const stored = await redis.get(key);
  // Deleted between the two calls (by hand): record ours.
  if (stored === null) return assertIndexShards(redis, prefix, shards);
  if (stored === String(shards)) return;
  throw new ConfigError(
    `invalid configuration: REDIS_INDEX_SHARDS: the data under key prefix "${prefix}" was written with ` +
      `${stored} index shards, not ${shards}; set REDIS_INDEX_SHARDS=${stored} (changing it would orphan existing keys)`,
  );
}

/**
 * `assertIndexShards` once per store: the first call checks, later calls reuse its success. A Redis
 * failure becomes `StoreUnavailable` (retryable: checked again next time); a mismatch stays `ConfigError`.
 */
export class IndexShardsCheck {
  private done: Promise<void> | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly shards: number,
    private readonly storeName: string,
  ) {}

  ensure(): Promise<void> {
    this.done ??= assertIndexShards(this.redis, this.prefix, this.shards).catch((err: unknown) => {
      this.done = null;
      if (err instanceof ConfigError) throw err;
      throw new StoreUnavailable(`${this.storeName} unavailable: ${(err as Error).message}`, { cause: err });
    });
    return this.done;
  }
}
