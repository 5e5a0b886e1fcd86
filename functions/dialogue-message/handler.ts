import {
  Aborted,
  AiFailed,
  IdempotencyKeyReused,
  isSameMove,
  DialogueEnded,
  TurnInFlight,
  VersionConflict,
  applyTurn,
  endRemembered,
  numberOptions,
  planTurn,
  resolvePlayerMove,
  summarizeEnding,
  type DecidedTurn,
  type DialogueState,
  type EventContext,
  type Goal,
  type Option,
  type Outcome,
  type ParleyEvent,
  type PlayerMove,
  type Turn,
  type TurnResult,
  characterOf,
  findOwned,
  goalOf,
  loadOwnedState,
  seedFor,
  type DialogueDeps,
  type TurnRead,
  HeldTurnLock,
} from '@parley/shared';

export type TurnCommand = PlayerMove & {
  dialogueId: string;
  playerId: string;
  messageId: string;
  traceparent?: string | undefined;
};

/** Called as the turn unfolds, so a streaming answer can show it live. */
export type TurnHooks = {
  onAccepted?: (playerTurn: Omit<Turn, 'at'>) => void;
  onDelta?: (text: string) => void;
};

export type TurnAnswer = { result: TurnResult; replayed: boolean };

const REPLAY_POLL_MS = 50;
/** How long a retry of a messageId waits for its first attempt, which renews its lock while it runs. */
const REPLAY_WAIT_MS = 30_000;

/**
 * One player turn: validate the move, take the dialogue's turn lock, appraise the player's line,
 * let the rules decide (progress, patience, goal reached or lost, the character leaving), let the
 * character answer knowing that verdict (streamed), propose options, then commit everything at
 * once. When the character leaves, the dialogue ends with this turn (`endedBy: "character"`).
 * Nothing is written unless the whole turn succeeded; a replayed messageId returns the stored
 * answer and applies nothing. The turn's events are in the dialogue's outbox when it returns, durable
 * with the turn: `publishTurn` sends them, after the answer.
 */
export async function takeTurn(
  deps: DialogueDeps,
  cmd: TurnCommand,
  hooks: TurnHooks = {},
  signal?: AbortSignal,
): Promise<TurnAnswer> {
  const answer = await applyOrReplay(deps, cmd, hooks, signal);
  // A replay answers only the same request: another move under a used messageId is refused, not silently answered.
  if (answer.replayed && !isSameMove(cmd, answer.result.playerTurn)) {
    throw new IdempotencyKeyReused(
      `messageId "${cmd.messageId}" was already used for a different turn of this dialogue; send a new messageId`,
      {
        details: { messageId: cmd.messageId },
      },
    );
  }
  return answer;
}

/**
 * Publishes what the turn's dialogue has in its outbox, in order (the outbox relay). Called once the
 * answer is sent, so the player never waits for the broker; never rejects: an unreachable broker
 * leaves the events in the outbox for the relay's timer, at least once and in order all the same.
 */
export function publishTurn(deps: Pick<DialogueDeps, 'relay'>, answer: TurnAnswer): Promise<void> {
  return deps.relay.flush(answer.result.dialogue.id);
}

async function applyOrReplay(
  deps: DialogueDeps,
  cmd: TurnCommand,
  hooks: TurnHooks,
  signal?: AbortSignal,
): Promise<TurnAnswer> {
  const { store } = deps;
  const before = await ownedOrReplay(deps, cmd, await store.readTurn(cmd.dialogueId, cmd.messageId));
  if ('result' in before) return before;
  const character = characterOf(deps.catalog, before.characterId);
  const goal = goalOf(character, before.goalId);
  // Validate before locking: a bad move must not disturb a turn in flight.
  resolvePlayerMove(before, goal, cmd);

  const locked = await acquireTurnLock(deps, cmd, signal);
  if ('result' in locked) return locked;
  const lock = new HeldTurnLock(store, cmd.dialogueId, cmd.messageId, deps.turnLockMs);
  try {
    // Read with the lock, in the same step: the state is authoritative, and the original of a replay
    // may have just finished.
    const state = await ownedOrReplay(deps, cmd, locked.read);
    if ('result' in state) return state;
    const move = resolvePlayerMove(state, goal, cmd);
    const seq = state.turnCount + 1;
    hooks.onAccepted?.({
      seq,
      speaker: 'player',
      text: move.text,
      strategyId: move.strategy.id,
      ...(move.optionId ? { optionId: move.optionId } : {}),
    });

    const aiOptions = { signal, traceparent: cmd.traceparent };
    // What the character recalls of this player, for the goal and what the player just said.
    const memory = deps.memory
      ? await deps.memory.recall(state.playerId, state.characterId, `${goal.description} ${move.text}`)
      : null;

    // One gateway call: appraisal, the rules (here, from the same plan), the streamed reply, options.
    const input = {
      seed: seedFor(state.id, seq),
      state,
      character,
      strategyId: move.strategy.id,
      playerText: move.text,
      at: deps.now().toISOString(),
      ...(memory?.recall ? { recall: memory.recall } : {}),
    };
    const plan = planTurn(input);
    let decided: DecidedTurn | undefined;
    let reply: { text: string; oldestTurnKept: number | undefined } | undefined;
    let options: Array<Omit<Option, 'id'>> | undefined;
    let summary: DialogueState['summary'];
    let done = false;
    for await (const event of deps.ai.turn(input, aiOptions)) {
      if (event.type === 'appraisal') decided = plan.decide(event.output);
      else if (event.type === 'delta') hooks.onDelta?.(event.text);
      else if (event.type === 'reply') reply = { text: event.output.text, oldestTurnKept: event.meta.oldestTurnKept };
      else if (event.type === 'options') options = event.output.options;
      else if (event.type === 'summary') summary = { text: event.output.summary, throughSeq: event.throughSeq };
      else done = true;
    }
    if (signal?.aborted) throw new Aborted('the player left before the turn was complete');
    const decision = decided?.decision;
    if (!done || !decision || !reply || (decision.verdict !== 'leave' && !options))
      throw new AiFailed('the AI gateway ended the turn without all of its steps');
    const replyText = reply.text;

    const ctx = { source: deps.source, now: deps.now(), traceparent: cmd.traceparent };
    const applied = applyTurn(
      state,
      {
        playerText: move.text,
        strategyId: move.strategy.id,
        optionId: move.optionId,
        replyText,
        decision,
        nextOptions: numberOptions(options ?? [], goal),
        ...(memory ? { recalled: memory.recalledIds } : {}),
      },
      ctx,
    );
    const turnState = summary ? { ...applied.state, summary } : applied.state;
    // The character ends the dialogue: the outcome is part of this turn's answer, then the end is stored.
    const ending = decision.verdict === 'leave' ? await characterEnding(deps, turnState, goal, ctx) : null;
    const result: TurnResult = ending
      ? { ...applied.result, dialogue: { ...applied.result.dialogue, status: 'ended' }, outcome: ending.outcome }
      : applied.result;
    const committed = await store.commitTurn({
      expectedVersion: state.version,
      messageId: cmd.messageId,
      // The rolling summary goes in with the turn, under the same version check.
      state: turnState,
      newTurns: applied.newTurns,
      result,
      events: applied.events,
    });
    if (!committed.ok) {
      if (committed.reason === 'duplicate') {
        const first = await store.turnResult(cmd.dialogueId, cmd.messageId);
        if (first) return { result: first, replayed: true };
      }
      if (committed.reason === 'missing') throw new DialogueEnded(`dialogue ${cmd.dialogueId} has ended`);
      throw new VersionConflict('the dialogue changed during this turn; send it again');
    }
    lock.committed();
    deps.metrics?.turnApplied(state.characterId);
    if (memory) await deps.memory!.markRecalled(state.playerId, state.characterId, memory.recalledIds);
    if (ending) await storeEnding(deps, turnState, ending);
    return { result, replayed: false };
  } finally {
    await lock.release();
  }
}

/**
 * The end the character chooses with this turn: summarized with the numbers, remembered like any
 * end, counted from where the dialogue started (the character as this player met it).
 */
async function characterEnding(
  deps: DialogueDeps,
  state: DialogueState,
  goal: Goal,
  ctx: EventContext,
): Promise<{ outcome: Outcome; events: ParleyEvent[] }> {
  const catalogCharacter = characterOf(deps.catalog, state.characterId);
  const character = deps.memory ? await deps.memory.characterAsMet(state.playerId, catalogCharacter) : catalogCharacter;
  const summary = await summarizeEnding(deps.ai, {
    state,
    character,
    goal,
    endedBy: 'character',
    traceparent: ctx.traceparent,
  });
  return endRemembered(
    deps,
    state,
    { character, summary, endedBy: 'character', reason: `${character.name} ended the conversation` },
    goal,
    ctx,
  );
}

/**
 * Stores the end the character chose, right after its turn. Should the store refuse (another turn
 * landed in between), the turn stands and the dialogue stays active with no patience left: the
 * next turn ends it again, as does the idle expiry.
 */
async function storeEnding(
  deps: DialogueDeps,
  state: DialogueState,
  ending: { outcome: Outcome; events: ParleyEvent[] },
): Promise<void> {
  const ended = await deps.store.end({
    dialogueId: state.id,
    playerId: state.playerId,
    expectedVersion: state.version,
    outcome: ending.outcome,
    events: ending.events,
  });
  if (ended.ok) deps.metrics?.dialogueEnded(state.characterId);
}

/**
 * The caller's dialogue from one `readTurn`: the stored answer of a replay (the caller must own the
 * dialogue), else the live state when it is the caller's; anything else (no state, another player's)
 * is settled by `loadOwnedState`, which throws the right error.
 */
async function ownedOrReplay(
  deps: DialogueDeps,
  cmd: TurnCommand,
  read: TurnRead,
): Promise<DialogueState | TurnAnswer> {
  if (read.result) {
    if (read.result.dialogue.playerId !== cmd.playerId) await loadOwnedState(deps.store, cmd.dialogueId, cmd.playerId);
    return { result: read.result, replayed: true };
  }
  if (read.state?.playerId === cmd.playerId) return read.state;
  return loadOwnedState(deps.store, cmd.dialogueId, cmd.playerId);
}

/**
 * Take the dialogue's turn lock, reading the turn with it (one store call). Another message holding
 * it is a 409; the same messageId holding it is a retry of a turn in progress: wait for its answer,
 * or take over if it gave up without one. Answers the replay, or the read made with the lock.
 */
async function acquireTurnLock(
  deps: DialogueDeps,
  cmd: TurnCommand,
  signal?: AbortSignal,
): Promise<TurnAnswer | { read: TurnRead }> {
  // The first attempt renews its lock while it runs: wait as long as a turn may take, not one lock life.
  const deadline = Date.now() + REPLAY_WAIT_MS;
  for (;;) {
    const read = await deps.store.readTurn(cmd.dialogueId, cmd.messageId, { ttlMs: deps.turnLockMs });
    if (read.lock?.acquired) return { read };
    if (read.result || !read.lock) {
      const replay = await ownedOrReplay(deps, cmd, read);
      if ('result' in replay) return replay;
    }
    const heldBy = read.lock && !read.lock.acquired ? read.lock.heldBy : undefined;
    if (heldBy !== cmd.messageId) {
      throw new TurnInFlight('another turn of this dialogue is in progress; retry when it is done', {
        details: { retryAfterMs: 1000 },
      });
    }
    if (signal?.aborted) throw new Aborted('the player left');
    if (Date.now() > deadline) throw new TurnInFlight('the first attempt of this message is still in progress');
    await new Promise((r) => setTimeout(r, REPLAY_POLL_MS));
    const result = await deps.store.turnResult(cmd.dialogueId, cmd.messageId);
    if (result) return ownedOrReplay(deps, cmd, { result, state: null }) as Promise<TurnAnswer>;
  }
}

/** A dialogue as the frontend reads it: the live state with its whole transcript, or the outcome once ended. */
export async function getDialogue(deps: Pick<DialogueDeps, 'store'>, dialogueId: string, playerId: string) {
  const found = await findOwned(deps.store, dialogueId, playerId);
  if ('state' in found) {
    const { recentTurns: _window, ...rest } = found.state;
    return { dialogue: { ...rest, turns: await deps.store.transcript(dialogueId) } };
  }
  const { outcome } = found;
  return {
    dialogue: {
      id: dialogueId,
      playerId,
      characterId: outcome.characterId,
      goalId: outcome.goalId,
      strategyId: outcome.strategyId,
      status: 'ended' as const,
    },
    outcome,
  };
}
