import { EMPTY_PAIR, type PairRecord } from '../../domain/memory';
import type { ParleyEvent } from '../../domain/events';
import type { ForgetRequest, MemoryStore, PairWrite, SaveResult } from '../../ports/memory-store';

type Stored = { record: PairRecord; expiresAt: number };

/**
 * Memories for one process (`npm start`, tests). Same contract as the Redis store: every method runs
 * to completion without awaiting, so each write is atomic; records are deep-copied in and out; TTLs
 * follow the injected clock.
 */
export class InMemoryMemoryStore implements MemoryStore {
  private readonly now: () => number;
  /** playerId -> characterId -> record. */
  private readonly pairs = new Map<string, Map<string, Stored>>();
  /** Insertion order is the order `outboxPlayers` answers in. */
  private readonly outbox = new Map<string, ParleyEvent[]>();

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  async load(playerId: string, characterId: string): Promise<PairRecord> {
    const stored = this.live(playerId, characterId);
    return structuredClone(stored ? stored.record : EMPTY_PAIR);
  }

  async save(write: PairWrite): Promise<SaveResult> {
    const current = this.live(write.playerId, write.characterId);
    if ((current?.record.version ?? 0) !== write.expectedVersion) return { ok: false, reason: 'version' };
    const record = { ...structuredClone(write.record), version: write.expectedVersion + 1 };
    const expiresAt = write.ttlSeconds ? this.now() + write.ttlSeconds * 1000 : Infinity;
    let player = this.pairs.get(write.playerId);
    if (!player) this.pairs.set(write.playerId, (player = new Map()));
    player.set(write.characterId, { record, expiresAt });
    this.push(write.playerId, write.events);
    return { ok: true };
  }

  async characters(playerId: string): Promise<string[]> {
    const player = this.pairs.get(playerId);
    if (!player) return [];
    return [...player.keys()].filter((id) => this.live(playerId, id)).sort();
  }

  async forget(request: ForgetRequest): Promise<SaveResult> {
    for (const pair of request.pairs) {
      if ((this.live(request.playerId, pair.characterId)?.record.version ?? 0) !== pair.expectedVersion)
        return { ok: false, reason: 'version' };
    }
    if (request.everything) {
      const listed = new Set(request.pairs.map((p) => p.characterId));
      if ((await this.characters(request.playerId)).some((id) => !listed.has(id)))
        return { ok: false, reason: 'version' };
    }
    const player = this.pairs.get(request.playerId);
    for (const pair of request.pairs) player?.delete(pair.characterId);
    if (player?.size === 0) this.pairs.delete(request.playerId);
    this.push(request.playerId, request.events);
    return { ok: true };
  }

  async outboxPlayers(limit: number): Promise<string[]> {
    return limit <= 0 ? [] : [...this.outbox.keys()].slice(0, limit);
  }

  async pendingEvents(playerId: string, limit: number): Promise<ParleyEvent[]> {
    return limit <= 0 ? [] : structuredClone((this.outbox.get(playerId) ?? []).slice(0, limit));
  }

  async ackOutbox(playerId: string, eventIds: string[]): Promise<void> {
    const queue = this.outbox.get(playerId);
    if (!queue) return;
    const acked = new Set(eventIds);
    // Only the head is removed, as in Redis: an id not at the head stays until it is.
    while (queue.length > 0 && acked.has(queue[0]!.id)) acked.delete(queue.shift()!.id);
    if (queue.length === 0) this.outbox.delete(playerId);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private live(playerId: string, characterId: string): Stored | undefined {
    const player = this.pairs.get(playerId);
    const stored = player?.get(characterId);
    if (stored && stored.expiresAt <= this.now()) {
      player!.delete(characterId);
      return undefined;
    }
    return stored;
  }

  private push(playerId: string, events: ParleyEvent[]): void {
    if (events.length === 0) return;
    const queue = this.outbox.get(playerId) ?? [];
    queue.push(...structuredClone(events));
    this.outbox.set(playerId, queue);
  }
}
