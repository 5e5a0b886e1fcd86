import type { PairRecord } from '../domain/memory';
import type { ParleyEvent } from '../domain/events';

/**
 * Where characters keep what they know of each player: one record per player x character (relationship,
 * memories, the endings applied), and one outbox of `character.memory` events per player.
 *
 * Every adapter (in-memory, Redis) guarantees, and the contract suite in `memory-store.contract.ts` proves:
 * - `load` of a pair never written (or forgotten) answers the empty record, version 0;
 * - `save` is a compare-and-set on the record's version: with a stale `expectedVersion` nothing is written
 *   and it answers `{ ok: false, reason: 'version' }`; on success the stored version is `expectedVersion + 1`;
 * - a write and its events are atomic: the record and the events in the player's outbox, or neither;
 * - `forget` removes the listed pairs (and the player's index of them) at once, only while each is still at
 *   the version given and the listed characters are all the player has when `everything` is set;
 * - one player's writes never show in another player's records, characters or outbox;
 * - events stay in the player's outbox, in order, until `ackOutbox`;
 * - with a `ttlSeconds` a record untouched for that long disappears; without one it is kept until forgotten.
 */
export interface MemoryStore {
  /** The pair's record (the empty record, version 0, when nothing is kept). */
  load(playerId: string, characterId: string): Promise<PairRecord>;
  /** Write the record at `expectedVersion + 1`, with events for the player's outbox. */
  save(write: PairWrite): Promise<SaveResult>;
  /** The characters that keep something about this player. */
  characters(playerId: string): Promise<string[]>;
  /** Remove these pairs entirely, with the events announcing it. */
  forget(request: ForgetRequest): Promise<SaveResult>;

  /** Players with events not yet published, and those events in order. */
  outboxPlayers(limit: number): Promise<string[]>;
  pendingEvents(playerId: string, limit: number): Promise<ParleyEvent[]>;
  /** Drop these events (the head of the player's outbox) once they are published. */
  ackOutbox(playerId: string, eventIds: string[]): Promise<void>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

export type PairWrite = {
  playerId: string;
  characterId: string;
  expectedVersion: number;
  /** The new record; its own `version` field is ignored (the store writes `expectedVersion + 1`). */
  record: PairRecord;
  events: ParleyEvent[];
  /** Keep the record this long after this write (MEMORY_TTL_DAYS); absent: no expiry. */
  ttlSeconds?: number;
};

export type ForgetRequest = {
  playerId: string;
  pairs: Array<{ characterId: string; expectedVersion: number }>;
  /** The pairs listed are all the player has: refuse (reason 'version') if another appeared meanwhile. */
  everything: boolean;
  events: ParleyEvent[];
};

export type SaveResult = { ok: true } | { ok: false; reason: 'version' };
