import { randomUUID } from 'node:crypto';
import { eventSource } from '../../domain/events';
import {
  applyDialogueEnding,
  addGameMemory,
  DEFAULT_MEMORY_LIMITS,
  EMPTY_PAIR,
  type PairRecord,
} from '../../domain/memory';
import { forgetEvent, memoryEvents } from '../../domain/memory-events';
import type { MemoryStore } from '../../ports/memory-store';

export type MemoryStoreHarness = {
  store: MemoryStore;
  cleanup: () => Promise<void>;
  /** Moves the store's clock; without it the suite waits in real time (short TTLs only). */
  advanceTime?: (ms: number) => Promise<void>;
};

const now = new Date('2030-01-01T12:00:00.000Z');
const ctx = { source: eventSource('memory-store-contract'), now };

/** A record as a dialogue's end writes it, from the real domain functions. */
function endedPair(playerId: string, characterId: string, from: PairRecord = EMPTY_PAIR) {
  const dialogueId = randomUUID();
  const change = applyDialogueEnding(
    from,
    {
      playerId,
      characterId,
      dialogueId,
      goalId: 'learn-rumour',
      goalAchieved: false,
      endedBy: 'player',
      opinion: 12,
      endedAt: now.toISOString(),
      memories: [{ text: 'They tried to buy me with silver.', importance: 0.6 }],
    },
    DEFAULT_MEMORY_LIMITS,
    now,
  );
  const events = memoryEvents({ playerId, characterId, version: from.version + 1 }, change, 'dialogue', {
    ...ctx,
    dialogueId,
  });
  return { record: change.pair, events };
}

/**
 * The contract every MemoryStore adapter keeps (see the port's comment). `makeHarness` gives a fresh,
 * empty store per test.
 */
export function describeMemoryStoreContract(name: string, makeHarness: () => Promise<MemoryStoreHarness>): void {
  describe(`MemoryStore contract: ${name}`, () => {
    let h: MemoryStoreHarness;
    let store: MemoryStore;
    const player = () => `player-${randomUUID().slice(0, 8)}`;

    beforeEach(async () => {
      h = await makeHarness();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('answers the empty record, version 0, for a pair never written', async () => {
      expect(await store.load(player(), 'innkeeper-mara')).toEqual(EMPTY_PAIR);
      expect(await store.characters(player())).toEqual([]);
    });

    it('keeps what was saved, at version + 1, with its events in the player outbox', async () => {
      const p = player();
      const { record, events } = endedPair(p, 'innkeeper-mara');
      expect(
        await store.save({ playerId: p, characterId: 'innkeeper-mara', expectedVersion: 0, record, events }),
      ).toEqual({ ok: true });
      expect(await store.load(p, 'innkeeper-mara')).toEqual({ ...record, version: 1 });
      expect(await store.characters(p)).toEqual(['innkeeper-mara']);
      expect(await store.outboxPlayers(10)).toContain(p);
      expect(await store.pendingEvents(p, 10)).toEqual(events);
    });

    it('refuses a stale version and writes nothing, events included', async () => {
      const p = player();
      const first = endedPair(p, 'innkeeper-mara');
      await store.save({
        playerId: p,
        characterId: 'innkeeper-mara',
        expectedVersion: 0,
        record: first.record,
        events: first.events,
      });
      const second = endedPair(p, 'innkeeper-mara');
      expect(
        await store.save({
          playerId: p,
          characterId: 'innkeeper-mara',
          expectedVersion: 0,
          record: second.record,
          events: second.events,
        }),
      ).toEqual({
        ok: false,
        reason: 'version',
      });
      expect(await store.load(p, 'innkeeper-mara')).toEqual({ ...first.record, version: 1 });
      expect(await store.pendingEvents(p, 10)).toEqual(first.events);
    });

    it('builds on the stored record: version after version', async () => {
      const p = player();
      let record = await store.load(p, 'captain-bram');
      for (let i = 0; i < 3; i++) {
        const next = endedPair(p, 'captain-bram', record);
        expect(
          (
            await store.save({
              playerId: p,
              characterId: 'captain-bram',
              expectedVersion: record.version,
              record: next.record,
              events: [],
            })
          ).ok,
        ).toBe(true);
        record = await store.load(p, 'captain-bram');
      }
      expect(record.version).toBe(3);
      expect(record.relationship?.dialogues).toBe(3);
      expect(record.memories).toHaveLength(3);
    });

    it('keeps players apart: one player writes, another sees nothing of it', async () => {
      const a = player();
      const b = player();
      const { record, events } = endedPair(a, 'innkeeper-mara');
      await store.save({ playerId: a, characterId: 'innkeeper-mara', expectedVersion: 0, record, events });
      expect(await store.load(b, 'innkeeper-mara')).toEqual(EMPTY_PAIR);
      expect(await store.characters(b)).toEqual([]);
      expect(await store.pendingEvents(b, 10)).toEqual([]);
    });

    it('hands back copies: changing a loaded record changes nothing stored', async () => {
      const p = player();
      const { record } = endedPair(p, 'innkeeper-mara');
      await store.save({ playerId: p, characterId: 'innkeeper-mara', expectedVersion: 0, record, events: [] });
      const loaded = await store.load(p, 'innkeeper-mara');
      loaded.memories[0]!.text = 'changed';
      expect((await store.load(p, 'innkeeper-mara')).memories[0]!.text).toBe('They tried to buy me with silver.');
    });

    it('acks only the head of the outbox, in order', async () => {
      const p = player();
      const { record, events } = endedPair(p, 'innkeeper-mara');
      expect(events.length).toBeGreaterThanOrEqual(2);
      await store.save({ playerId: p, characterId: 'innkeeper-mara', expectedVersion: 0, record, events });
      await store.ackOutbox(p, [events[1]!.id]);
      expect(await store.pendingEvents(p, 10)).toEqual(events);
      await store.ackOutbox(
        p,
        events.map((e) => e.id),
      );
      expect(await store.pendingEvents(p, 10)).toEqual([]);
      expect(await store.outboxPlayers(100)).not.toContain(p);
    });

    it('forgets listed pairs at their version, with the forgotten events', async () => {
      const p = player();
      for (const c of ['innkeeper-mara', 'captain-bram']) {
        const { record } = endedPair(p, c);
        await store.save({ playerId: p, characterId: c, expectedVersion: 0, record, events: [] });
      }
      const mara = await store.load(p, 'innkeeper-mara');
      const event = forgetEvent({ playerId: p, characterId: 'innkeeper-mara', version: 2 }, mara, ctx);
      expect(
        await store.forget({
          playerId: p,
          pairs: [{ characterId: 'innkeeper-mara', expectedVersion: 0 }],
          everything: false,
          events: [event],
        }),
      ).toEqual({
        ok: false,
        reason: 'version',
      });
      expect(
        await store.forget({
          playerId: p,
          pairs: [{ characterId: 'innkeeper-mara', expectedVersion: 1 }],
          everything: false,
          events: [event],
        }),
      ).toEqual({ ok: true });
      expect(await store.load(p, 'innkeeper-mara')).toEqual(EMPTY_PAIR);
      expect(await store.characters(p)).toEqual(['captain-bram']);
      expect(await store.pendingEvents(p, 10)).toEqual([event]);
      expect(JSON.stringify(event)).not.toContain('silver');
    });

    it('forgets everything only when the list is all the player has', async () => {
      const p = player();
      for (const c of ['innkeeper-mara', 'captain-bram']) {
        const { record } = endedPair(p, c);
        await store.save({ playerId: p, characterId: c, expectedVersion: 0, record, events: [] });
      }
      const partial = [{ characterId: 'innkeeper-mara', expectedVersion: 1 }];
      expect(await store.forget({ playerId: p, pairs: partial, everything: true, events: [] })).toEqual({
        ok: false,
        reason: 'version',
      });
      const all = [...partial, { characterId: 'captain-bram', expectedVersion: 1 }];
      expect(await store.forget({ playerId: p, pairs: all, everything: true, events: [] })).toEqual({ ok: true });
      expect(await store.characters(p)).toEqual([]);
      expect(await store.load(p, 'captain-bram')).toEqual(EMPTY_PAIR);
    });

    it('starts a forgotten pair again from version 0', async () => {
      const p = player();
      const { record } = endedPair(p, 'innkeeper-mara');
      await store.save({ playerId: p, characterId: 'innkeeper-mara', expectedVersion: 0, record, events: [] });
      await store.forget({
        playerId: p,
        pairs: [{ characterId: 'innkeeper-mara', expectedVersion: 1 }],
        everything: false,
        events: [],
      });
      const added = addGameMemory(
        EMPTY_PAIR,
        {
          playerId: p,
          characterId: 'innkeeper-mara',
          id: `g-${randomUUID()}`,
          draft: { text: 'The player saved my brother.', importance: 0.9 },
          baselineOpinion: 0,
        },
        DEFAULT_MEMORY_LIMITS,
        now,
      );
      expect(
        (
          await store.save({
            playerId: p,
            characterId: 'innkeeper-mara',
            expectedVersion: 0,
            record: added.pair,
            events: [],
          })
        ).ok,
      ).toBe(true);
      expect((await store.load(p, 'innkeeper-mara')).memories.map((m) => m.text)).toEqual([
        'The player saved my brother.',
      ]);
    });

    it('lets a record with a TTL disappear once it passed, and keeps one without', async () => {
      const p = player();
      const { record } = endedPair(p, 'innkeeper-mara');
      await store.save({
        playerId: p,
        characterId: 'innkeeper-mara',
        expectedVersion: 0,
        record,
        events: [],
        ttlSeconds: 1,
      });
      await store.save({ playerId: p, characterId: 'captain-bram', expectedVersion: 0, record, events: [] });
      const deadline = Date.now() + 10_000;
      if (h.advanceTime) await h.advanceTime(1_001);
      while ((await store.load(p, 'innkeeper-mara')).version !== 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(await store.load(p, 'innkeeper-mara')).toEqual(EMPTY_PAIR);
      expect(await store.characters(p)).toEqual(['captain-bram']);
    });
  });
}
