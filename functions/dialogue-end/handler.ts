import {
  DialogueEnded,
  TurnInFlight,
  VersionConflict,
  endRemembered,
  summarizeEnding,
  type DialogueState,
  type Outcome,
  characterOf,
  goalOf,
  findOwned,
  type DialogueDeps,
  HeldTurnLock,
} from '@parley/shared';

export type EndCommand = {
  dialogueId: string;
  playerId: string;
  reason?: string | undefined;
  traceparent?: string | undefined;
};

/** The turn lock is taken under this name while a dialogue ends, so no turn can land meanwhile. */
const END_LOCK = 'end';

/**
 * End a dialogue: summarize it, compute the outcome, remove the live state and announce
 * `dialogue.resolve`. Ending an ended dialogue returns the same outcome (while it is kept).
 */
export async function end(deps: DialogueDeps, cmd: EndCommand): Promise<{ outcome: Outcome; replayed: boolean }> {
  const state = await loadOwnedOrEnded(deps, cmd);
  if ('outcome' in state) return state;
  const lock = await deps.store.lockTurn(cmd.dialogueId, END_LOCK, deps.turnLockMs);
  if (!lock.acquired) throw new TurnInFlight('a turn of this dialogue is in progress; end it when the turn is done');
  const held = new HeldTurnLock(deps.store, cmd.dialogueId, END_LOCK, deps.turnLockMs);
  try {
    const current = await loadOwnedOrEnded(deps, cmd);
    if ('outcome' in current) return current;
    const catalogCharacter = characterOf(deps.catalog, current.characterId);
    const goal = goalOf(catalogCharacter, current.goalId);
    // Opinion and mood changes count from where this dialogue started, which the relationship decided.
    const character = deps.memory
      ? await deps.memory.characterAsMet(current.playerId, catalogCharacter)
      : catalogCharacter;
    const summary = await summarizeEnding(deps.ai, {
      state: current,
      character,
      goal,
      endedBy: 'player',
      traceparent: cmd.traceparent,
    });
    const ctx = { source: deps.source, now: deps.now(), traceparent: cmd.traceparent };
    const ended = await endRemembered(
      deps,
      current,
      { character, summary, endedBy: 'player', reason: cmd.reason },
      goal,
      ctx,
    );
    const committed = await deps.store.end({
      dialogueId: current.id,
      playerId: current.playerId,
      expectedVersion: current.version,
      outcome: ended.outcome,
      events: ended.events,
    });
    if (!committed.ok) {
      if (committed.reason === 'version') throw new VersionConflict('the dialogue changed while ending; try again');
      const after = await loadOwnedOrEnded(deps, cmd);
      if ('outcome' in after) return after;
      throw new DialogueEnded(`dialogue ${cmd.dialogueId} could not be ended`);
    }
    deps.metrics?.dialogueEnded(current.characterId);
    await deps.relay.flush(current.id);
    return { outcome: ended.outcome, replayed: false };
  } finally {
    await held.release();
  }
}

async function loadOwnedOrEnded(
  deps: DialogueDeps,
  cmd: EndCommand,
): Promise<DialogueState | { outcome: Outcome; replayed: true }> {
  const found = await findOwned(deps.store, cmd.dialogueId, cmd.playerId);
  return 'state' in found ? found.state : { outcome: found.outcome, replayed: true };
}
