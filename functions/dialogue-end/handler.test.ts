// The end use case with in-memory adapters (unit tier): the HTTP tests cover the route around it.
import {
  AiUnavailable,
  DialogueNotFound,
  Forbidden,
  TurnInFlight,
  VersionConflict,
  applyTurn,
  plainSummary,
} from '@parley/shared';
import { aiWithHook, gate, inMemoryDialogue } from '../../test/support/in-memory-dialogue';
import { end } from './handler';

const PLAYER = 'player-1';

async function started(options: Parameters<typeof inMemoryDialogue>[0] = {}) {
  const kit = inMemoryDialogue(options);
  const dialogue = await kit.seedDialogue(PLAYER);
  const deps = kit.deps('dialogue-end');
  const resolves = () => kit.dialogueEvents(dialogue.id).filter((e) => e.type === 'dialogue.resolve');
  return { ...kit, dialogue, deps, resolves };
}

describe('end', () => {
  test('summarises, removes the live state, keeps the outcome and announces dialogue.resolve', async () => {
    const s = await started();
    const { outcome, replayed } = await end(s.deps, { dialogueId: s.dialogue.id, playerId: PLAYER, reason: 'bored' });
    expect(replayed).toBe(false);
    expect(outcome).toMatchObject({
      dialogueId: s.dialogue.id,
      playerId: PLAYER,
      turnCount: 0,
      endedBy: 'player',
      reason: 'bored',
    });
    expect(outcome.summary.length).toBeGreaterThan(0);
    expect(await s.store.load(s.dialogue.id)).toBeNull();
    expect(await s.store.outcome(s.dialogue.id)).toEqual({ playerId: PLAYER, outcome });
    expect(await s.store.activeDialogues(PLAYER)).toBe(0);
    expect(s.resolves().map((e) => e.data)).toEqual([outcome]);
  });

  test('ending twice answers the same outcome, replayed, and announces it once', async () => {
    const s = await started();
    const first = await end(s.deps, { dialogueId: s.dialogue.id, playerId: PLAYER });
    const second = await end(s.deps, { dialogueId: s.dialogue.id, playerId: PLAYER, reason: 'again' });
    expect(second).toEqual({ outcome: first.outcome, replayed: true });
    expect(s.resolves()).toHaveLength(1);
    // The ended dialogue is still its owner's only.
    await expect(end(s.deps, { dialogueId: s.dialogue.id, playerId: 'mallory' })).rejects.toBeInstanceOf(Forbidden);
    await expect(
      end(s.deps, { dialogueId: '00000000-0000-4000-8000-000000000000', playerId: PLAYER }),
    ).rejects.toBeInstanceOf(DialogueNotFound);
  });

  test('a failed summary does not stop the end: the plain summary says what happened', async () => {
    const s = await started({
      wrapAi: (ai) =>
        aiWithHook(ai, (task) => {
          if (task === 'dialogue.summarize') throw new AiUnavailable('the model is down');
        }),
    });
    const { outcome } = await end(s.deps, { dialogueId: s.dialogue.id, playerId: PLAYER });
    const character = s.deps.catalog.get(s.dialogue.characterId)!;
    const goal = character.goals.find((g) => g.id === s.dialogue.goalId)!;
    expect(outcome.summary).toBe(plainSummary(character, goal, s.dialogue));
    expect(await s.store.load(s.dialogue.id)).toBeNull();
    expect(s.resolves()).toHaveLength(1);
  });

  test('while a turn is in flight: TurnInFlight, and the dialogue goes on', async () => {
    const s = await started();
    await s.store.lockTurn(s.dialogue.id, 'm-1', 10_000);
    await expect(end(s.deps, { dialogueId: s.dialogue.id, playerId: PLAYER })).rejects.toBeInstanceOf(TurnInFlight);
    expect(await s.store.load(s.dialogue.id)).toEqual(s.dialogue);
    expect(s.resolves()).toEqual([]);
    // The end did not take the turn's lock from it.
    expect(await s.store.lockTurn(s.dialogue.id, 'm-2', 10_000)).toEqual({ acquired: false, heldBy: 'm-1' });
  });

  test('a second end while the first is summarising gets TurnInFlight; the first ends it once', async () => {
    const held = gate();
    const s = await started({
      wrapAi: (ai) =>
        aiWithHook(ai, async (task) => {
          if (task === 'dialogue.summarize') await held.pass();
        }),
    });
    const first = end(s.deps, { dialogueId: s.dialogue.id, playerId: PLAYER });
    await held.reached;
    await expect(end(s.deps, { dialogueId: s.dialogue.id, playerId: PLAYER })).rejects.toBeInstanceOf(TurnInFlight);
    held.open();
    expect((await first).replayed).toBe(false);
    expect(s.resolves()).toHaveLength(1);
    // Once it has ended, asking again is a replay.
    expect((await end(s.deps, { dialogueId: s.dialogue.id, playerId: PLAYER })).replayed).toBe(true);
  });

  test('a stale version (its lock expired and a turn landed while it summarised): VersionConflict, the dialogue goes on', async () => {
    const held = gate();
    const s = await started({
      turnLockMs: 1000,
      wrapAi: (ai) =>
        aiWithHook(ai, async (task) => {
          if (task === 'dialogue.summarize') await held.pass();
        }),
    });
    const ending = end(s.deps, { dialogueId: s.dialogue.id, playerId: PLAYER });
    await held.reached;
    s.advance(1001);
    // Another pod's turn, written as dialogue-message writes it, once the end's lock has expired.
    const appraisal = {
      emotion: 'calm',
      intensity: 0.2,
      valence: 0.1,
      opinionDelta: 1,
      goalProgressDelta: 0.1,
      reasons: ['a fair offer'],
    };
    const turn = applyTurn(
      s.dialogue,
      { playerText: 'One more thing.', strategyId: 'persuade', replyText: 'Go on.', appraisal, nextOptions: [] },
      { source: 'test', now: new Date() },
    );
    expect(await s.store.lockTurn(s.dialogue.id, 'm-late', 1000)).toEqual({ acquired: true });
    expect(await s.store.commitTurn({ expectedVersion: 0, messageId: 'm-late', ...turn })).toEqual({ ok: true });
    held.open();
    await expect(ending).rejects.toBeInstanceOf(VersionConflict);
    expect((await s.store.load(s.dialogue.id))?.version).toBe(1);
    expect(s.resolves()).toEqual([]);
  });
});
