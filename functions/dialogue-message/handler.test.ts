// The turn use case with in-memory adapters (unit tier): the HTTP tests cover the routes around it.
import {
  Aborted,
  DialogueEnded,
  Forbidden,
  IdempotencyKeyReused,
  InvalidOption,
  TurnInFlight,
  VersionConflict,
  endDialogue,
  type AiTaskName,
  runTurnSteps,
} from '@parley/shared';
import { InMemoryDialogueStore } from '@parley/shared/testing';
import { aiWithHook, gate, inMemoryDialogue } from '../../test/support/in-memory-dialogue';
import { getDialogue, publishTurn, takeTurn, type TurnCommand } from './handler';

const PLAYER = 'player-1';

/** The kit, with a dialogue already started, and every AI call's task recorded. */
async function started(options: Parameters<typeof inMemoryDialogue>[0] = {}) {
  const aiCalls: AiTaskName[] = [];
  const kit = inMemoryDialogue({
    ...options,
    wrapAi: (ai) => aiWithHook(options.wrapAi ? options.wrapAi(ai) : ai, (task) => void aiCalls.push(task)),
  });
  const dialogue = await kit.seedDialogue(PLAYER);
  const deps = kit.deps('dialogue-message');
  // As the route does: the answer, then the turn's events published.
  const turn = async (messageId: string, move: Partial<TurnCommand> = {}, hooks = {}, signal?: AbortSignal) => {
    const answer = await takeTurn(
      deps,
      { dialogueId: dialogue.id, playerId: PLAYER, messageId, text: `Message ${messageId}.`, ...move },
      hooks,
      signal,
    );
    await publishTurn(deps, answer);
    return answer;
  };
  const progress = () => kit.dialogueEvents(dialogue.id).filter((e) => e.type === 'dialogue.progress');
  return { ...kit, dialogue, deps, turn, progress, aiCalls };
}

/**
 * A started dialogue with a first turn (`messageId`) under way: it holds the turn lock and waits at
 * the reply until the test calls `open`.
 */
async function turnHeldAtReply(
  messageId: string,
  move: Partial<TurnCommand> = {},
  options: Parameters<typeof inMemoryDialogue>[0] = {},
) {
  const held = gate();
  let armed = true;
  const s = await started({
    ...options,
    wrapAi: (ai) =>
      aiWithHook(ai, async (task) => {
        if (task !== 'dialogue.reply' || !armed) return;
        armed = false;
        await held.pass();
      }),
  });
  const first = s.turn(messageId, move);
  await held.reached;
  return { ...s, first, open: held.open };
}

describe('takeTurn', () => {
  test('applies a turn: hooks show it live, the store and the event agree with the answer', async () => {
    const s = await started();
    const accepted: unknown[] = [];
    const deltas: string[] = [];
    const answer = await s.turn(
      'm-1',
      { optionId: 'opt-2' },
      { onAccepted: (t: unknown) => accepted.push(t), onDelta: (t: string) => deltas.push(t) },
    );
    expect(answer.replayed).toBe(false);
    const { playerTurn, reply, dialogue } = answer.result;
    expect(playerTurn).toMatchObject({
      seq: 1,
      speaker: 'player',
      optionId: 'opt-2',
      strategyId: 'bribe',
      text: s.dialogue.options[1]!.text,
    });
    expect(accepted).toEqual([
      { seq: 1, speaker: 'player', text: playerTurn.text, strategyId: 'bribe', optionId: 'opt-2' },
    ]);
    expect(deltas.join('')).toBe(reply.text);
    expect(dialogue.version).toBe(1);
    expect(await s.store.load(s.dialogue.id)).toEqual(dialogue);
    expect((await s.store.transcript(s.dialogue.id)).map((t) => t.text)).toEqual([
      s.dialogue.recentTurns[0]!.text,
      playerTurn.text,
      reply.text,
    ]);
    expect(s.progress().map((e) => e.sequence)).toEqual([1]);
  });

  test('a replayed messageId answers the first result and applies nothing, with no AI call', async () => {
    const s = await started();
    const first = await s.turn('m-1');
    const calls = s.aiCalls.length;
    const again = await s.turn('m-1');
    expect(again).toEqual({ result: first.result, replayed: true });
    // The same id with another move is a client bug, not a replay.
    await expect(s.turn('m-1', { text: 'A different text under the same id.' })).rejects.toBeInstanceOf(
      IdempotencyKeyReused,
    );
    expect(s.aiCalls).toHaveLength(calls);
    expect((await s.store.load(s.dialogue.id))?.version).toBe(1);
    expect(s.progress()).toHaveLength(1);
    // A replay is still the owner's only.
    await expect(
      takeTurn(s.deps, { dialogueId: s.dialogue.id, playerId: 'mallory', messageId: 'm-1', text: 'hi' }),
    ).rejects.toBeInstanceOf(Forbidden);
  });

  test('while a turn is in flight another message gets TurnInFlight, and a bad one its own error; the first lands', async () => {
    const s = await turnHeldAtReply('m-1');
    const second = s.turn('m-2');
    await expect(second).rejects.toBeInstanceOf(TurnInFlight);
    await expect(second).rejects.toMatchObject({ details: { retryAfterMs: 1000 } });
    // Validated before locking: a bad move neither waits nor disturbs the turn in flight.
    await expect(s.turn('m-3', { optionId: 'opt-9', text: undefined })).rejects.toBeInstanceOf(InvalidOption);
    s.open();
    expect((await s.first).result.dialogue.version).toBe(1);
    expect(s.progress()).toHaveLength(1);
  });

  test('a retry of the message in flight waits for it and answers its result', async () => {
    const s = await turnHeldAtReply('m-1');
    const retry = s.turn('m-1');
    s.open();
    const [a, b] = await Promise.all([s.first, retry]);
    expect(a.replayed).toBe(false);
    expect(b).toEqual({ result: a.result, replayed: true });
    expect(s.progress()).toHaveLength(1);
  });

  test('a retry takes the turn over when the attempt holding the lock gave up without an answer (its lock expired)', async () => {
    const refused = gate();
    class WatchedLocks extends InMemoryDialogueStore {
      override async lockTurn(dialogueId: string, messageId: string, ttlMs: number) {
        const lock = await super.lockTurn(dialogueId, messageId, ttlMs);
        if (!lock.acquired) void refused.pass();
        return lock;
      }
    }
    const s = await started({ turnLockMs: 5000, store: (now) => new WatchedLocks({ ttlSeconds: 3600, now }) });
    // A crashed pod's attempt: it took the lock and never answered.
    await s.store.lockTurn(s.dialogue.id, 'm-1', 1000);
    const retry = s.turn('m-1');
    // The retry found the lock held by its own messageId and waits; then the lock expires.
    await refused.reached;
    s.advance(1001);
    const answer = await retry;
    expect(answer.replayed).toBe(false);
    expect(answer.result.playerTurn.seq).toBe(1);
  });

  test('a stale version (the lock expired and another turn landed meanwhile): VersionConflict, nothing of it applied', async () => {
    const s = await turnHeldAtReply('m-slow', { text: 'A slow thought.' }, { turnLockMs: 1000 });
    s.advance(1001);
    const other = await s.turn('m-other');
    s.open();
    await expect(s.first).rejects.toBeInstanceOf(VersionConflict);
    const state = await s.store.load(s.dialogue.id);
    expect(state?.version).toBe(1);
    expect(state).toEqual(other.result.dialogue);
    expect((await s.store.transcript(s.dialogue.id)).map((t) => t.text)).not.toContain('A slow thought.');
    expect(await s.store.turnResult(s.dialogue.id, 'm-slow')).toBeNull();
    expect(s.progress()).toHaveLength(1);
  });

  test('a player who leaves mid-reply: Aborted, nothing applied, the lock freed for the next message', async () => {
    const s = await started();
    const player = new AbortController();
    await expect(s.turn('m-1', {}, { onDelta: () => player.abort() }, player.signal)).rejects.toBeInstanceOf(Aborted);
    expect((await s.store.load(s.dialogue.id))?.version).toBe(0);
    expect(await s.store.turnResult(s.dialogue.id, 'm-1')).toBeNull();
    expect(s.progress()).toEqual([]);
    const next = await s.turn('m-2');
    expect(next.result.playerTurn.seq).toBe(1);
  });

  test('a player who leaves as the last AI calls answer (a client that does not watch the signal): Aborted before the commit', async () => {
    const player = new AbortController();
    const s = await started({
      wrapAi: (ai) => ({
        stream: (task, input, options) => ai.stream(task, input, options),
        run: async (task, input, options) => {
          const answer = await ai.run(task, input, options);
          player.abort();
          return answer;
        },
        turn(input, options) {
          return runTurnSteps(this, input, options);
        },
        ping: () => ai.ping(),
      }),
    });
    await expect(s.turn('m-1', {}, {}, player.signal)).rejects.toBeInstanceOf(Aborted);
    expect((await s.store.load(s.dialogue.id))?.version).toBe(0);
    expect(s.progress()).toEqual([]);
  });

  test('a message to an ended dialogue: DialogueEnded; a turn it took still replays', async () => {
    const s = await started();
    await s.turn('m-1');
    const state = (await s.store.load(s.dialogue.id))!;
    const ended = endDialogue(
      state,
      { character: s.deps.catalog.get('smith-odo')!, summary: 'Ended by the test.', endedBy: 'player' },
      { source: 'test', now: new Date() },
    );
    await s.store.end({
      dialogueId: state.id,
      playerId: PLAYER,
      expectedVersion: state.version,
      outcome: ended.outcome,
      events: [],
    });
    await expect(s.turn('m-2')).rejects.toBeInstanceOf(DialogueEnded);
    // The answer of a turn it took is still a replay, not an error.
    expect((await s.turn('m-1')).replayed).toBe(true);
    expect(await getDialogue(s.deps, s.dialogue.id, PLAYER)).toMatchObject({
      dialogue: { status: 'ended' },
      outcome: { dialogueId: s.dialogue.id },
    });
  });
});
