import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { RECENT_TURNS_WINDOW, type Appraisal, type DialogueState } from '../../domain/dialogue';
import { eventSource } from '../../domain/events';
import {
  applyTurn,
  chooseGoalAndStrategy,
  endDialogue,
  numberOptions,
  startDialogue,
  type EventContext,
} from '../../domain/transitions';
import type { DialogueStore } from '../../ports/dialogue-store';
import maraJson from '../../../../content/characters/innkeeper-mara.json';
import { CharacterSchema } from '../../domain/character';

export type DialogueStoreHarness = {
  store: DialogueStore;
  cleanup: () => Promise<void>;
  /** Moves the store's clock; without it the suite waits in real time (short TTLs only). */
  advanceTime?: (ms: number) => Promise<void>;
};

// Fixtures come from the real domain transitions and a real character, so the suite stores what
// the functions store.
// Imported, not read from disk, so a bundle that includes this module (the testing entry) loads anywhere.
const character = CharacterSchema.parse(maraJson);
const { goal, strategy } = chooseGoalAndStrategy(character, 'learn-rumour', 'flatter');
const T0 = Date.parse('2030-01-01T12:00:00.000Z');
const ctx = (second: number): EventContext => ({
  source: eventSource('dialogue-store-contract'),
  now: new Date(T0 + second * 1000),
});
const appraisal: Appraisal = {
  emotion: 'pleased',
  intensity: 0.5,
  valence: 0.2,
  opinionDelta: 2,
  goalProgressDelta: 0.01,
  reasons: ['flattered'],
};

/** A started dialogue of `playerId`; a store's own suite passes an id from `store.newDialogueId(playerId)`. */
function started(playerId = 'player-7', id: string = randomUUID()) {
  const options = numberOptions([{ text: 'Your stew is the best in the valley.', strategyId: 'flatter' }], goal);
  return startDialogue({
    id,
    playerId,
    character,
    goal,
    strategy,
    greetingText: character.greeting,
    options,
    ctx: ctx(0),
  });
}

/** `started` under another name, for the suites that shadow it with one drawing ids from the store. */
const startedFor = started;

/** The commit of one turn on `state`, as dialogue-message builds it. */
function turnOn(state: DialogueState, messageId: string, replyText = 'Flattery is cheap, traveller.') {
  const applied = applyTurn(
    state,
    {
      playerText: 'Your stew is the best in the valley.',
      strategyId: 'flatter',
      replyText,
      appraisal,
      nextOptions: state.options,
    },
    ctx(state.turnCount + 1),
  );
  return { expectedVersion: state.version, messageId, ...applied };
}

function ended(state: DialogueState) {
  const { outcome, events } = endDialogue(
    state,
    { character, summary: 'They talked stew.', endedBy: 'player' },
    ctx(state.turnCount + 2),
  );
  return { dialogueId: state.id, playerId: state.playerId, expectedVersion: state.version, outcome, events };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The suite's fixtures, for an adapter's own tests: a started dialogue (give it an id from the store's
 * `newDialogueId`), one turn's commit on it, its end.
 */
export const dialogueStoreFixtures = { character, started, turnOn, ended };

/** One suite, run against every `DialogueStore` adapter: the port's doc comment, proved. */
export function describeDialogueStoreContract(name: string, makeStore: () => Promise<DialogueStoreHarness>): void {
  describe(`DialogueStore contract: ${name}`, () => {
    let store: DialogueStore;
    let harness: DialogueStoreHarness;
    let wait: (ms: number) => Promise<void>;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
      wait = harness.advanceTime ?? sleep;
    });
    // Every dialogue the suite creates gets its id from the store, as dialogue-start does.
    const started = (playerId = 'player-7') => startedFor(playerId, store.newDialogueId(playerId));

    it('hands out distinct ids that are UUIDs', () => {
      const ids = Array.from({ length: 50 }, (_, i) => store.newDialogueId(`player-${i % 3}`));
      expect(new Set(ids).size).toBe(50);
      for (const id of ids) expect(z.uuid().safeParse(id).success).toBe(true);
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('round-trips create, load and transcript', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      expect(await store.load(state.id)).toEqual(state);
      expect(await store.transcript(state.id)).toEqual([greeting]);
    });

    it('hands out copies: changing a loaded state does not change the stored one', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      state.goalProgress = 0.99;
      const loaded = (await store.load(state.id))!;
      expect(loaded.goalProgress).toBe(0);
      loaded.participants.character.mood.emotion = 'furious';
      expect((await store.load(state.id))!.participants.character.mood.emotion).toBe(character.baselineMood.emotion);
    });

    it('answers null / empty for an unknown dialogue', async () => {
      for (const id of [randomUUID(), store.newDialogueId('player-7')]) {
        expect(await store.load(id)).toBeNull();
        expect(await store.transcript(id)).toEqual([]);
        expect(await store.turnResult(id, 'm-1')).toBeNull();
        expect(await store.outcome(id)).toBeNull();
        expect(await store.pendingEvents(id, 10)).toEqual([]);
      }
    });

    it('creates a dialogue once: a second create with its id writes nothing and answers exists', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      expect(await store.create({ ...state, goalProgress: 0.5 }, greeting, events)).toEqual({
        ok: false,
        reason: 'exists',
      });
      expect(await store.load(state.id)).toEqual(state);
      expect(await store.pendingEvents(state.id, 10)).toHaveLength(1);
    });

    it("claims a player's start key once: later claims answer the first claim's dialogue", async () => {
      const key = `key-${randomUUID()}`;
      const first = { dialogueId: randomUUID(), request: '["innkeeper-mara","learn-rumour",null]' };
      expect(await store.claimStart('player-7', key, first)).toEqual({ claimed: true });
      const same = { dialogueId: randomUUID(), request: first.request };
      const other = { dialogueId: randomUUID(), request: '["innkeeper-mara","free-room",null]' };
      expect(await store.claimStart('player-7', key, same)).toEqual({
        claimed: false,
        dialogueId: first.dialogueId,
        sameRequest: true,
      });
      expect(await store.claimStart('player-7', key, other)).toEqual({
        claimed: false,
        dialogueId: first.dialogueId,
        sameRequest: false,
      });
      // The key is the player's: another player's same key is another claim.
      expect(await store.claimStart('player-8', key, other)).toEqual({ claimed: true });
    });

    it('lets exactly one of many concurrent claims of one key win', async () => {
      const key = `key-${randomUUID()}`;
      const claims = Array.from({ length: 8 }, () => ({ dialogueId: randomUUID(), request: 'r' }));
      const answers = await Promise.all(claims.map((claim) => store.claimStart('player-7', key, claim)));
      const winners = claims.filter((_, i) => answers[i]!.claimed);
      expect(winners).toHaveLength(1);
      for (const answer of answers) {
        if (!answer.claimed)
          expect(answer).toEqual({ claimed: false, dialogueId: winners[0]!.dialogueId, sameRequest: true });
      }
    });

    it('commits a turn: state, transcript and stored answer move together', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      const turn = turnOn(state, 'm-1');
      expect(await store.commitTurn(turn)).toEqual({ ok: true });
      const loaded = await store.load(state.id);
      expect(loaded).toEqual(turn.state);
      expect(loaded!.version).toBe(state.version + 1);
      expect(await store.transcript(state.id)).toEqual([greeting, ...turn.newTurns]);
      expect(await store.turnResult(state.id, 'm-1')).toEqual(turn.result);
    });

    it('writes nothing on a stale version', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      const first = turnOn(state, 'm-1');
      await store.commitTurn(first);
      const stale = turnOn(state, 'm-2', 'A different answer.');
      expect(await store.commitTurn(stale)).toEqual({ ok: false, reason: 'version' });
      expect(await store.load(state.id)).toEqual(first.state);
      expect(await store.transcript(state.id)).toEqual([greeting, ...first.newTurns]);
      expect(await store.turnResult(state.id, 'm-2')).toBeNull();
      expect((await store.pendingEvents(state.id, 10)).map((e) => e.id)).toEqual(
        [...events, ...first.events].map((e) => e.id),
      );
    });

    it('applies a messageId once and keeps its first answer', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      const first = turnOn(state, 'm-1');
      await store.commitTurn(first);
      const again = turnOn(first.state, 'm-1', 'A second, different answer.');
      expect(await store.commitTurn(again)).toEqual({ ok: false, reason: 'duplicate' });
      expect(await store.turnResult(state.id, 'm-1')).toEqual(first.result);
      expect(await store.load(state.id)).toEqual(first.state);
      expect(await store.transcript(state.id)).toHaveLength(3);
    });

    it('lets exactly one of 10 concurrent commits on the same version through', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      const turns = Array.from({ length: 10 }, (_, i) => turnOn(state, `m-${i}`, `Answer ${i}.`));
      const answers = await Promise.all(turns.map((t) => store.commitTurn(t)));
      const winners = answers.flatMap((a, i) => (a.ok ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(answers.filter((a) => !a.ok)).toEqual(Array(9).fill({ ok: false, reason: 'version' }));
      const winner = turns[winners[0]!]!;
      expect(await store.load(state.id)).toEqual(winner.state);
      expect(await store.transcript(state.id)).toEqual([greeting, ...winner.newTurns]);
      expect(await store.pendingEvents(state.id, 100)).toHaveLength(2);
    });

    it('rejects a commit whose state does not raise the version (a caller bug)', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      const turn = turnOn(state, 'm-1');
      await expect(store.commitTurn({ ...turn, state: { ...turn.state, version: state.version } })).rejects.toThrow(
        /version/,
      );
      expect(await store.load(state.id)).toEqual(state);
    });

    it('answers missing when committing to an unknown dialogue', async () => {
      const { state } = started();
      expect(await store.commitTurn(turnOn(state, 'm-1'))).toEqual({ ok: false, reason: 'missing' });
      expect(await store.turnResult(state.id, 'm-1')).toBeNull();
      expect(await store.outboxDialogues(100)).not.toContain(state.id);
    });

    it('ends a dialogue: live state goes, the outcome stays readable, a second end is missing', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      const turn = turnOn(state, 'm-1');
      await store.commitTurn(turn);
      await store.lockTurn(state.id, 'm-2', 60_000);

      expect(await store.end(ended(state))).toEqual({ ok: false, reason: 'version' });
      expect(await store.load(state.id)).toEqual(turn.state);
      expect(await store.outcome(state.id)).toBeNull();

      const end = ended(turn.state);
      expect(await store.end(end)).toEqual({ ok: true });
      expect(await store.load(state.id)).toBeNull();
      expect(await store.transcript(state.id)).toEqual([]);
      expect(await store.outcome(state.id)).toEqual({ playerId: state.playerId, outcome: end.outcome });
      expect(await store.lockTurn(state.id, 'm-3', 60_000)).toEqual({ acquired: true });
      expect(await store.end(end)).toEqual({ ok: false, reason: 'missing' });
      expect(await store.commitTurn(turnOn(turn.state, 'm-4'))).toEqual({ ok: false, reason: 'missing' });
    });

    it('holds the turn lock for one messageId until it is released by that messageId', async () => {
      const { state } = started();
      expect(await store.lockTurn(state.id, 'm-1', 60_000)).toEqual({ acquired: true });
      expect(await store.lockTurn(state.id, 'm-2', 60_000)).toEqual({ acquired: false, heldBy: 'm-1' });
      expect(await store.lockTurn(state.id, 'm-1', 60_000)).toEqual({ acquired: false, heldBy: 'm-1' });
      await store.unlockTurn(state.id, 'm-2');
      expect(await store.lockTurn(state.id, 'm-3', 60_000)).toEqual({ acquired: false, heldBy: 'm-1' });
      await store.unlockTurn(state.id, 'm-1');
      expect(await store.lockTurn(state.id, 'm-2', 60_000)).toEqual({ acquired: true });
      // Locks are per dialogue.
      expect(await store.lockTurn(randomUUID(), 'm-9', 60_000)).toEqual({ acquired: true });
    });

    it('reads a turn in one call: the stored answer and the state, and with a lock asked, takes it unless replayed', async () => {
      const { state, greeting, events } = started();
      expect(await store.readTurn(state.id, 'm-1')).toEqual({ result: null, state: null });
      await store.create(state, greeting, events);
      expect(await store.readTurn(state.id, 'm-1')).toEqual({ result: null, state });
      expect(await store.readTurn(state.id, 'm-1', { ttlMs: 60_000 })).toEqual({
        result: null,
        state,
        lock: { acquired: true },
      });
      expect(await store.readTurn(state.id, 'm-2', { ttlMs: 60_000 })).toEqual({
        result: null,
        state,
        lock: { acquired: false, heldBy: 'm-1' },
      });
      const turn = turnOn(state, 'm-1');
      expect(await store.commitTurn(turn)).toEqual({ ok: true });
      // A replay is answered from its stored result, and takes no lock.
      expect(await store.readTurn(state.id, 'm-1', { ttlMs: 60_000 })).toEqual({
        result: turn.result,
        state: turn.state,
      });
      expect(await store.lockTurn(state.id, 'm-3', 60_000)).toEqual({ acquired: true });
    });

    it('releases the turn lock in the same step as the commit of its turn', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      expect(await store.lockTurn(state.id, 'm-1', 60_000)).toEqual({ acquired: true });
      expect(await store.commitTurn(turnOn(state, 'm-1'))).toEqual({ ok: true });
      expect(await store.lockTurn(state.id, 'm-2', 60_000)).toEqual({ acquired: true });
    });

    it('leaves a lock another messageId holds when a commit lands', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      expect(await store.lockTurn(state.id, 'end', 60_000)).toEqual({ acquired: true });
      expect(await store.commitTurn(turnOn(state, 'm-1'))).toEqual({ ok: true });
      expect(await store.lockTurn(state.id, 'm-2', 60_000)).toEqual({ acquired: false, heldBy: 'end' });
    });

    it('renews the turn lock only for its holder', async () => {
      const { state } = started();
      expect(await store.lockTurn(state.id, 'm-1', 200)).toEqual({ acquired: true });
      expect(await store.renewTurnLock(state.id, 'm-2', 60_000)).toBe(false);
      expect(await store.renewTurnLock(state.id, 'm-1', 60_000)).toBe(true);
      // Renewed to 60 s: it outlives its first 200 ms by far.
      await wait(400);
      expect(await store.lockTurn(state.id, 'm-2', 60_000)).toEqual({ acquired: false, heldBy: 'm-1' });
      await store.unlockTurn(state.id, 'm-1');
      expect(await store.renewTurnLock(state.id, 'm-1', 60_000)).toBe(false);
    });

    it('lets the turn lock expire by itself', async () => {
      const { state } = started();
      expect(await store.lockTurn(state.id, 'm-crashed', 100)).toEqual({ acquired: true });
      await wait(300);
      expect(await store.lockTurn(state.id, 'm-next', 60_000)).toEqual({ acquired: true });
    });

    it('keeps events in order per dialogue until they are acked', async () => {
      const { state, greeting, events } = started();
      const other = started();
      await store.create(state, greeting, events);
      await store.create(other.state, other.greeting, other.events);
      const t1 = turnOn(state, 'm-1');
      await store.commitTurn(t1);
      const t2 = turnOn(t1.state, 'm-2');
      await store.commitTurn(t2);
      const end = ended(t2.state);
      await store.end(end);
      const all = [...events, ...t1.events, ...t2.events, ...end.events];
      const ids = all.map((e) => e.id);

      expect((await store.outboxDialogues(100)).sort()).toEqual([state.id, other.state.id].sort());
      expect(await store.pendingEvents(state.id, 100)).toEqual(all);
      expect((await store.pendingEvents(state.id, 2)).map((e) => e.id)).toEqual(ids.slice(0, 2));

      await store.ackOutbox(state.id, ids.slice(0, 2));
      expect((await store.pendingEvents(state.id, 100)).map((e) => e.id)).toEqual(ids.slice(2));
      // An id acked twice, or one that is not at the head, removes nothing.
      await store.ackOutbox(state.id, [ids[0]!, ids[3]!]);
      expect((await store.pendingEvents(state.id, 100)).map((e) => e.id)).toEqual(ids.slice(2));
      expect(await store.outboxDialogues(100)).toContain(state.id);

      await store.ackOutbox(state.id, ids.slice(2));
      expect(await store.pendingEvents(state.id, 100)).toEqual([]);
      expect(await store.outboxDialogues(100)).toEqual([other.state.id]);
      await store.ackOutbox(
        other.state.id,
        other.events.map((e) => e.id),
      );
      expect(await store.outboxDialogues(100)).toEqual([]);
      expect(await store.outboxDialogues(0)).toEqual([]);
    });

    it('caps live dialogues per player: a refused create writes nothing, an end frees a slot', async () => {
      const cap = { maxActivePerPlayer: 2 };
      const a = started('player-cap');
      const b = started('player-cap');
      expect(await store.create(a.state, a.greeting, a.events, cap)).toEqual({ ok: true });
      expect(await store.create(b.state, b.greeting, b.events, cap)).toEqual({ ok: true });
      expect(await store.activeDialogues('player-cap')).toBe(2);

      const c = started('player-cap');
      expect(await store.create(c.state, c.greeting, c.events, cap)).toEqual({ ok: false, reason: 'limit', active: 2 });
      expect(await store.load(c.state.id)).toBeNull();
      expect(await store.transcript(c.state.id)).toEqual([]);
      expect(await store.pendingEvents(c.state.id, 10)).toEqual([]);
      expect(await store.outboxDialogues(100)).not.toContain(c.state.id);
      expect(await store.activeDialogues('player-cap')).toBe(2);

      // Another player has their own count; no cap given, no cap applied.
      const other = started('player-other');
      expect(await store.create(other.state, other.greeting, other.events, cap)).toEqual({ ok: true });
      const uncapped = started('player-cap');
      expect(await store.create(uncapped.state, uncapped.greeting, uncapped.events)).toEqual({ ok: true });
      expect(await store.activeDialogues('player-cap')).toBe(3);

      // A turn does not change the count; an end frees a slot (but 3 live is still over the cap of 2).
      const turn = turnOn(a.state, 'm-1');
      expect(await store.commitTurn(turn)).toEqual({ ok: true });
      expect(await store.end(ended(turn.state))).toEqual({ ok: true });
      expect(await store.activeDialogues('player-cap')).toBe(2);
      expect(await store.create(c.state, c.greeting, c.events, cap)).toEqual({ ok: false, reason: 'limit', active: 2 });
      expect(await store.end(ended(b.state))).toEqual({ ok: true });
      expect(await store.create(c.state, c.greeting, c.events, cap)).toEqual({ ok: true });
      expect(await store.load(c.state.id)).toEqual(c.state);
      expect(await store.activeDialogues('player-cap')).toBe(2);
      expect(await store.activeDialogues('player-nobody')).toBe(0);
    });

    it("lists a player's live dialogues only, by id, one page at a time", async () => {
      const player = `player-list-${randomUUID()}`;
      const mine = Array.from({ length: 5 }, () => started(player));
      for (const d of mine) await store.create(d.state, d.greeting, d.events);
      const other = started(`${player}-other`);
      await store.create(other.state, other.greeting, other.events);
      await store.end(ended(mine[2]!.state));
      const live = mine
        .filter((_, i) => i !== 2)
        .map((d) => d.state.id)
        .sort();

      const first = await store.listActiveDialogues(player, { limit: 3 });
      expect(first.dialogues.map((d) => d.id)).toEqual(live.slice(0, 3));
      expect(first.next).toBe(live[2]);
      expect(first.dialogues[0]).toEqual(mine.find((d) => d.state.id === live[0])!.state);
      const second = await store.listActiveDialogues(player, { limit: 3, after: first.next! });
      expect(second).toEqual({ dialogues: [expect.objectContaining({ id: live[3] })], next: null });
      expect(await store.listActiveDialogues(player, { limit: 4 })).toMatchObject({ next: null });
      expect(await store.listActiveDialogues(`${player}-nobody`, { limit: 3 })).toEqual({ dialogues: [], next: null });
    });

    it('counts atomically: of 12 concurrent creates under a cap of 3, exactly 3 succeed', async () => {
      const dialogues = Array.from({ length: 12 }, () => started('player-race'));
      const answers = await Promise.all(
        dialogues.map((d) => store.create(d.state, d.greeting, d.events, { maxActivePerPlayer: 3 })),
      );
      expect(answers.filter((a) => a.ok)).toHaveLength(3);
      expect(answers.filter((a) => !a.ok)).toEqual(Array(9).fill({ ok: false, reason: 'limit', active: 3 }));
      expect(await store.activeDialogues('player-race')).toBe(3);
      const loaded = await Promise.all(dialogues.map((d) => store.load(d.state.id)));
      expect(loaded.filter((l) => l !== null)).toHaveLength(3);
    });

    it('keeps the hot state the same size however long the dialogue grows', async () => {
      const { state, greeting, events } = started();
      await store.create(state, greeting, events);
      let current = state;
      let sizeOnceWindowFull = 0;
      for (let n = 1; n <= 200; n++) {
        const turn = turnOn(current, `m-${n}`);
        expect(await store.commitTurn(turn)).toEqual({ ok: true });
        current = turn.state;
        // From here on the recent-turns window is full; only the transcript may keep growing.
        if (n === RECENT_TURNS_WINDOW) sizeOnceWindowFull = JSON.stringify(await store.load(state.id)).length;
      }
      const sizeAfter200 = JSON.stringify(await store.load(state.id)).length;
      expect(await store.transcript(state.id)).toHaveLength(401);
      // A few more digits in seq numbers, never more turns: one more turn would add ~150 bytes.
      expect(sizeAfter200 - sizeOnceWindowFull).toBeLessThan(100);
    });
  });
}

/**
 * Idle expiry, run against every adapter with a 1 s TTL: the deadline moves with each commit, an
 * expired dialogue is listed, and `expire` ends it exactly once, never while a turn holds the lock
 * or before the deadline.
 */
export function describeDialogueExpiryContract(
  name: string,
  makeStore: (ttlSeconds: number) => Promise<DialogueStoreHarness>,
): void {
  describe(`DialogueStore expiry contract: ${name}`, () => {
    let store: DialogueStore;
    let harness: DialogueStoreHarness;
    let wait: (ms: number) => Promise<void>;

    beforeEach(async () => {
      harness = await makeStore(1);
      store = harness.store;
      wait = harness.advanceTime ?? sleep;
    });
    const started = (playerId = 'player-7') => startedFor(playerId, store.newDialogueId(playerId));
    afterEach(async () => {
      await harness.cleanup();
    });

    const timedOut = (state: DialogueState) => {
      const { outcome, events } = endDialogue(
        state,
        { character, summary: 'Nobody spoke.', endedBy: 'timeout' },
        ctx(state.turnCount + 2),
      );
      return { dialogueId: state.id, playerId: state.playerId, expectedVersion: state.version, outcome, events };
    };

    it('lists a dialogue only once it is idle past its deadline, and a commit moves the deadline', async () => {
      const a = started();
      await store.create(a.state, a.greeting, a.events);
      expect(await store.expiredDialogues(10)).toEqual([]);
      expect(await store.expire(timedOut(a.state))).toEqual({ ok: false, reason: 'active' });
      await wait(700);
      const turn = turnOn(a.state, 'm-1');
      expect(await store.commitTurn(turn)).toEqual({ ok: true });
      await wait(700);
      expect(await store.expiredDialogues(10)).toEqual([]);
      await wait(500);
      expect(await store.expiredDialogues(10)).toEqual([a.state.id]);
    });

    it('expires exactly once among concurrent sweepers; the outcome and one resolve event remain', async () => {
      const a = started();
      await store.create(a.state, a.greeting, a.events);
      await store.ackOutbox(
        a.state.id,
        a.events.map((e) => e.id),
      );
      await wait(1_100);
      const results = await Promise.all(Array.from({ length: 5 }, () => store.expire(timedOut(a.state))));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual([
        'missing',
        'missing',
        'missing',
        'missing',
      ]);
      expect(await store.load(a.state.id)).toBeNull();
      expect((await store.outcome(a.state.id))?.outcome.endedBy).toBe('timeout');
      expect((await store.pendingEvents(a.state.id, 10)).map((e) => e.type)).toEqual(['dialogue.resolve']);
      expect(await store.expiredDialogues(10)).toEqual([]);
    });

    it('does not expire a dialogue while a turn holds its lock, nor at a stale version', async () => {
      const a = started();
      await store.create(a.state, a.greeting, a.events);
      await store.lockTurn(a.state.id, 'm-1', 60_000);
      await wait(1_100);
      expect(await store.expire(timedOut(a.state))).toEqual({ ok: false, reason: 'active' });
      await store.unlockTurn(a.state.id, 'm-1');
      expect(await store.expire({ ...timedOut(a.state), expectedVersion: 7 })).toEqual({
        ok: false,
        reason: 'version',
      });
      expect(await store.load(a.state.id)).not.toBeNull();
      expect(await store.expire(timedOut(a.state))).toEqual({ ok: true });
    });

    it('expiring a dialogue frees its slot under the per-player cap', async () => {
      const cap = { maxActivePerPlayer: 1 };
      const a = started('player-idle');
      expect(await store.create(a.state, a.greeting, a.events, cap)).toEqual({ ok: true });
      const b = started('player-idle');
      expect(await store.create(b.state, b.greeting, b.events, cap)).toEqual({ ok: false, reason: 'limit', active: 1 });
      await wait(1_100);
      expect(await store.expire(timedOut(a.state))).toEqual({ ok: true });
      expect(await store.activeDialogues('player-idle')).toBe(0);
      expect(await store.create(b.state, b.greeting, b.events, cap)).toEqual({ ok: true });
    });

    it('a player end removes the dialogue from the expiry list', async () => {
      const a = started();
      await store.create(a.state, a.greeting, a.events);
      expect(await store.end(ended(a.state))).toEqual({ ok: true });
      await wait(1_100);
      expect(await store.expiredDialogues(10)).toEqual([]);
    });
  });
}
