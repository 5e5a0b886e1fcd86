import {
  DEFAULT_INDEX_SHARDS,
  bucketOfDialogueId,
  bucketOfPlayer,
  bucketTag,
  checkShardCount,
  dialogueIdInBucket,
  indexShardsKey,
} from './index-shards';

/**
 * Every Redis key the dialogue store uses, made from one prefix (the prefix ends in its own separator,
 * e.g. `parley:`) and the number of index buckets (`REDIS_INDEX_SHARDS`).
 *
 * A player belongs to one bucket (`bucketOfPlayer`); a dialogue id carries the bucket of its player
 * (`newDialogueId`). Every key of a dialogue, the player's live-dialogue set, and the bucket's outbox and
 * expiry indexes carry the bucket's hash tag `{b:<n>}`: every script's keys share one Redis Cluster slot.
 *
 * An id without a bucket (a UUIDv4 of the previous layout) maps to that layout's key names
 * (`dialogue:{<id>}:…`, the global `outbox:index` and `expiry:index`), so a dialogue started before an
 * upgrade runs to its end; such data exists only on a single node or Sentinel, where slots do not matter.
 */
export function dialogueKeys(prefix: string, shards: number = DEFAULT_INDEX_SHARDS) {
  checkShardCount(shards);
  if (prefix.includes('{') || prefix.includes('}')) throw new Error(`key prefix may not hold braces: ${prefix}`);
  const bucketOfPlayerId = (playerId: string) => bucketOfPlayer(playerId, shards);
  const inBucket = (bucket: number) => `${prefix}{${bucketTag(bucket)}}:`;
  const dialogue = (dialogueId: string) => {
    const bucket = bucketOfDialogueId(dialogueId);
    return bucket === null ? `${prefix}dialogue:{${dialogueId}}` : `${inBucket(bucket)}dialogue:${dialogueId}`;
  };
  const legacy = {
    /** Set of previous-layout dialogue ids whose outbox is not empty (drained, never written anew). */
    outboxIndex: () => `${prefix}outbox:index`,
    /** Sorted set of previous-layout live dialogue ids by idle deadline (drained, never written anew). */
    expiryIndex: () => `${prefix}expiry:index`,
    /** Set of a player's previous-layout live dialogue ids: no longer read (they do not count toward the cap). */
    playerDialogues: (playerId: string) => `${prefix}player:${playerId}:dialogues`,
  };
  return {
    shards,
    /** The bucket every key of this player lives in. */
    bucketOfPlayer: bucketOfPlayerId,
    /** A new random dialogue id in the player's bucket (a UUIDv8; see `dialogueIdInBucket`). */
    newDialogueId: (playerId: string) => dialogueIdInBucket(bucketOfPlayerId(playerId)),
    /** Whether this id is one of this layout's (false: a previous-layout id, or a bucket out of range). */
    isBucketed: (dialogueId: string) => {
      const bucket = bucketOfDialogueId(dialogueId);
      return bucket !== null && bucket < shards;
    },
    /** Hash: `v` the version (compared in Lua without decoding), `s` the state JSON. */
    state: (dialogueId: string) => `${dialogue(dialogueId)}:state`,
    /** List of turn JSON, oldest first. */
    transcript: (dialogueId: string) => `${dialogue(dialogueId)}:transcript`,
    /** String: the messageId holding the turn lock. */
    turnLock: (dialogueId: string) => `${dialogue(dialogueId)}:lock`,
    /** String: the TurnResult JSON of an applied messageId. */
    turnResult: (dialogueId: string, messageId: string) => `${dialogue(dialogueId)}:result:${messageId}`,
    /** String: `{ playerId, outcome }` JSON of an ended dialogue. */
    outcome: (dialogueId: string) => `${dialogue(dialogueId)}:outcome`,
    /** List of event JSON not yet published, in order. */
    outbox: (dialogueId: string) => `${dialogue(dialogueId)}:outbox`,
    /** Set of the bucket's dialogue ids whose outbox is not empty. */
    outboxIndex: (bucket: number) => `${inBucket(bucket)}outbox:index`,
    /** Sorted set: the bucket's live dialogue ids scored by their idle deadline (ms, Redis clock). */
    expiryIndex: (bucket: number) => `${inBucket(bucket)}expiry:index`,
    /** The outbox index a dialogue is listed in (its bucket's, or the previous layout's global one). */
    outboxIndexOf: (dialogueId: string) => {
      const bucket = bucketOfDialogueId(dialogueId);
      return bucket === null ? legacy.outboxIndex() : `${inBucket(bucket)}outbox:index`;
    },
    /** The expiry index a dialogue is listed in (its bucket's, or the previous layout's global one). */
    expiryIndexOf: (dialogueId: string) => {
      const bucket = bucketOfDialogueId(dialogueId);
      return bucket === null ? legacy.expiryIndex() : `${inBucket(bucket)}expiry:index`;
    },
    /**
     * Sorted set: the player's live dialogue ids scored by the deadline of their keys (ms, Redis clock),
     * for the cap on active dialogues. Written by the create, commit, end and expire scripts; a member
     * past its score (keys outlived without a sweeper) is dropped when the player's dialogues are counted.
     */
    playerDialogues: (playerId: string) => `${inBucket(bucketOfPlayerId(playerId))}player:${playerId}:dialogues`,
    /**
     * String: the `StartClaim` JSON of a player's `Idempotency-Key` on a start (one key, written with
     * `SET NX`; under the player's bucket tag like every other key of the player).
     */
    startClaim: (playerId: string, idempotencyKey: string) =>
      `${inBucket(bucketOfPlayerId(playerId))}player:${playerId}:start-key:${idempotencyKey}`,
    /** Names of the previous layout's shared keys, for the one-release drain. */
    legacy,
    /** String: the bucket count the data was written with (see `assertIndexShards`). */
    indexShards: () => indexShardsKey(prefix),
    /** Pattern matching every key made from this prefix (for tests and tooling). */
    all: () => `${prefix}*`,
  };
}

export type DialogueKeys = ReturnType<typeof dialogueKeys>;
