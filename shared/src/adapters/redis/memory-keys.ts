import { createHash } from 'node:crypto';

/**
 * The hash tag every per-player key carries: `p:` and the first 8 hex digits of SHA-256(playerId). All of
 * a player's keys share one Redis Cluster slot, so one script may touch any of them together; a fixed-width
 * tag keeps keys short whatever the player id, and players whose tags collide merely share a slot.
 */
export function playerTag(playerId: string): string {
  return `p:${createHash('sha256').update(playerId).digest('hex').slice(0, 8)}`;
}

/**
 * Every Redis key of the memory store, made from one prefix (ending in its own separator, e.g. `parley:`).
 * Per-player keys sit under the player's hash tag; the outbox index is the one key shared by all players.
 */
export function memoryKeys(prefix: string) {
  const player = (playerId: string) => `${prefix}{${playerTag(playerId)}}:memory:${playerId}`;
  return {
    /**
     * Hash per player x character: `v` the version, `r` the relationship JSON, `e` the endings applied
     * (JSON), and one field `m:<memoryId>` per memory (its JSON).
     */
    pair: (playerId: string, characterId: string) => `${player(playerId)}:pair:${characterId}`,
    /** Set: the characters that keep something about this player. */
    characters: (playerId: string) => `${player(playerId)}:characters`,
    /** List of `character.memory` event JSON not yet published, in order. */
    outbox: (playerId: string) => `${player(playerId)}:outbox`,
    /** Set of player ids whose outbox is not empty. */
    outboxIndex: () => `${prefix}memory:outbox:index`,
  };
}

export type MemoryKeys = ReturnType<typeof memoryKeys>;
