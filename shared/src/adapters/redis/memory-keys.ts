import { DEFAULT_INDEX_SHARDS, bucketOfPlayer, bucketTag, checkShardCount } from './index-shards';

/**
 * The hash tag every key of a player carries: the tag of the player's bucket (`b:<n>`), the one its
 * dialogues' keys carry too, so a script may touch a player's dialogue, live set and memory together.
 */
export function playerTag(playerId: string, shards: number = DEFAULT_INDEX_SHARDS): string {
  return bucketTag(bucketOfPlayer(playerId, shards));
}

/**
 * Every Redis key of the memory store, made from one prefix (ending in its own separator, e.g. `parley:`)
 * and the number of index buckets (`REDIS_INDEX_SHARDS`). Per-player keys and the bucket's outbox index
 * sit under the bucket's hash tag: one Redis Cluster slot for everything one script touches.
 */
export function memoryKeys(prefix: string, shards: number = DEFAULT_INDEX_SHARDS) {
  checkShardCount(shards);
  const inBucket = (bucket: number) => `${prefix}{${bucketTag(bucket)}}:`;
  const player = (playerId: string) => `${inBucket(bucketOfPlayer(playerId, shards))}memory:${playerId}`;
  return {
    shards,
    /** The bucket every key of this player lives in. */
    bucketOfPlayer: (playerId: string) => bucketOfPlayer(playerId, shards),
    /**
     * Hash per player x character: `v` the version, `r` the relationship JSON, `e` the endings applied
     * (JSON), and one field `m:<memoryId>` per memory (its JSON).
     */
    pair: (playerId: string, characterId: string) => `${player(playerId)}:pair:${characterId}`,
    /** Set: the characters that keep something about this player. */
    characters: (playerId: string) => `${player(playerId)}:characters`,
    /** List of `character.memory` event JSON not yet published, in order. */
    outbox: (playerId: string) => `${player(playerId)}:outbox`,
    /** Set of the bucket's player ids whose memory outbox is not empty. */
    outboxIndex: (bucket: number) => `${inBucket(bucket)}memory:outbox:index`,
    /** The outbox index a player is listed in. */
    outboxIndexOf: (playerId: string) => `${inBucket(bucketOfPlayer(playerId, shards))}memory:outbox:index`,
  };
}

export type MemoryKeys = ReturnType<typeof memoryKeys>;
