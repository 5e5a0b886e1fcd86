import {
  Aborted,
  IdempotencyKeyReused,
  isSameMove,
  DialogueEnded,
  TurnInFlight,
  RECENT_TURNS_WINDOW,
  VersionConflict,
  applyTurn,
  characterBrief,
  decideTurn,
  endRemembered,
  numberOptions,
  offensesOf,
  readPlayerLine,
  resolvePlayerMove,
  summarizeEnding,
  type DialogueState,
  type EventContext,
  type GameState,
  type Goal,
  type Outcome,
  type ParleyEvent,
  type PlayerMove,
  type RulesDecision,
  type Turn,
  type TurnResult,
  characterOf,
  findOwned,
  goalBrief,
  goalOf,
  loadOwnedState,
  seedFor,
  type DialogueDeps,
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
 * answer and applies nothing.
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

async function applyOrReplay(
  deps: DialogueDeps,
  cmd: TurnCommand,
  hooks: TurnHooks,
  signal?: AbortSignal,
): Promise<TurnAnswer> {
  const { store } = deps;
  const before = await loadOwnedOrReplay(deps, cmd);
  if ('result' in before) return before;
  const character = characterOf(deps.catalog, before.characterId);
  const goal = goalOf(character, before.goalId);
  // Validate before locking: a bad move must not disturb a turn in flight.
  resolvePlayerMove(before, goal, cmd);

  const waited = await acquireTurnLock(deps, cmd, signal);
  if (waited) return waited;
  const lock = new HeldTurnLock(store, cmd.dialogueId, cmd.messageId, deps.turnLockMs);
  try {
    // Under the lock the state is authoritative; the original of a replay may have just finished.
    const state = await loadOwnedOrReplay(deps, cmd);
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
    const seed = seedFor(state.id, seq);
    // What the character recalls of this player, for the goal and what the player just said.
    const memory = deps.memory
      ? await deps.memory.recall(state.playerId, state.characterId, `${goal.description} ${move.text}`)
      : null;

    // 1. Appraise the player's line, before any reply exists.
    const appraisal = await deps.ai.run(
      'dialogue.appraise',
      {
        dialogueId: state.id,
        seed,
        character: characterBrief(character, state),
        goal: goalBrief(goal),
        strategy: move.strategy,
        goalProgress: state.goalProgress,
        playerText: move.text,
      },
      aiOptions,
    );
    // 2. The rules decide, with what the words themselves show added to the appraiser's view.
    const heard = readPlayerLine(
      move.text,
      { name: character.name, others: Object.keys(state.participants.character.opinions), goal: goal.description },
      move.strategy.id,
    );
    const decision = decideTurn({
      state,
      character,
      goal,
      strategyId: move.strategy.id,
      playerText: move.text,
      appraisal: appraisal.output,
      offensesHeard: offensesOf(heard),
    });
    // 3. The reply, knowing the verdict, in the mood and opinion the rules left.
    const decided = withDecision(state, decision);
    const common = { dialogueId: state.id, seed, character: characterBrief(character, decided), goal: goalBrief(goal) };
    let replyText = '';
    let replyDone = false;
    let oldestTurnKept: number | undefined;
    for await (const event of deps.ai.stream(
      'dialogue.reply',
      {
        ...common,
        strategy: move.strategy,
        goalProgress: decided.goalProgress,
        history: state.recentTurns,
        playerText: move.text,
        verdict: decision.verdict,
        goalStanding: goalStanding(decision.game),
        avoid: decision.game.characterSentences,
        ...(state.summary ? { summary: state.summary.text } : {}),
        ...(memory?.recall ? { recall: memory.recall } : {}),
      },
      aiOptions,
    )) {
      if (event.type === 'delta') hooks.onDelta?.(event.text);
      else {
        replyText = event.output.text;
        replyDone = true;
        oldestTurnKept = event.meta.oldestTurnKept;
      }
    }
    if (!replyDone) throw new Aborted('the reply stream ended early');
    // 4. Options (none when the character has left) and the rolling summary.
    const at = deps.now().toISOString();
    const history = [
      ...state.recentTurns,
      { seq, speaker: 'player' as const, text: move.text, strategyId: move.strategy.id, at },
      { seq, speaker: 'character' as const, text: replyText, at },
    ];
    const [options, summary] = await Promise.all([
      decision.verdict === 'leave'
        ? []
        : deps.ai
            .run(
              'dialogue.options',
              {
                ...common,
                strategies: goal.strategies,
                history: history.slice(-RECENT_TURNS_WINDOW),
                count: 3,
                avoid: decision.game.playerLines,
              },
              aiOptions,
            )
            .then((r) => r.output.options),
      foldLeftTurns(deps, state, history, oldestTurnKept, common, aiOptions),
    ]);
    if (signal?.aborted) throw new Aborted('the player left before the turn was complete');

    const ctx = { source: deps.source, now: deps.now(), traceparent: cmd.traceparent };
    const applied = applyTurn(
      state,
      {
        playerText: move.text,
        strategyId: move.strategy.id,
        optionId: move.optionId,
        replyText,
        decision,
        nextOptions: numberOptions(options, goal),
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
    deps.metrics?.turnApplied(state.characterId);
    if (memory) await deps.memory!.markRecalled(state.playerId, state.characterId, memory.recalledIds);
    if (ending) await storeEnding(deps, turnState, ending);
    await deps.relay.flush(state.id);
    return { result, replayed: false };
  } finally {
    await lock.release();
  }
}

/**
 * The rolling summary after this turn, when turns leave the prompt's window: those older than the
 * oldest turn the reply's prompt kept (the context budget, `oldestTurnKept`) or than the recent
 * turns the state keeps, and not summarized yet, are folded into the summary so far with the
 * `dialogue.summarize` task. Undefined when nothing left the window or the gateway fits no prompt.
 */
async function foldLeftTurns(
  deps: DialogueDeps,
  state: DialogueState,
  history: Turn[],
  oldestTurnKept: number | undefined,
  common: { dialogueId: string; character: ReturnType<typeof characterBrief>; goal: ReturnType<typeof goalBrief> },
  aiOptions: { signal?: AbortSignal | undefined; traceparent?: string | undefined },
): Promise<DialogueState['summary']> {
  if (oldestTurnKept === undefined) return undefined;
  const kept = history.slice(-RECENT_TURNS_WINDOW);
  const windowStart = Math.min(oldestTurnKept, kept[0]?.seq ?? oldestTurnKept);
  const through = state.summary?.throughSeq ?? -1;
  const left = history.filter((t) => t.seq > through && (t.seq < windowStart || !kept.includes(t)));
  if (left.length === 0) return undefined;
  const { output } = await deps.ai.run(
    'dialogue.summarize',
    {
      dialogueId: common.dialogueId,
      character: common.character,
      goal: common.goal,
      history: left,
      goalProgress: state.goalProgress,
      goalAchieved: false,
      turnCount: state.turnCount,
      ...(state.summary ? { previousSummary: state.summary.text } : {}),
    },
    aiOptions,
  );
  return { text: output.summary, throughSeq: Math.max(...left.map((t) => t.seq)) };
}

/** The state as the rules left it (mood, opinion, progress, memory), for the reply's brief. */
function withDecision(state: DialogueState, decision: RulesDecision): DialogueState {
  const character = state.participants.character;
  return {
    ...state,
    goalProgress: decision.changes.goalProgress.after,
    game: decision.game,
    participants: {
      ...state.participants,
      character: {
        ...character,
        mood: decision.changes.mood.after,
        opinions: { ...character.opinions, player: decision.changes.opinion.after },
      },
    },
  };
}

function goalStanding(game: GameState): 'open' | 'achieved' | 'lost' {
  return game.goalAchievedAt !== undefined ? 'achieved' : game.goalLostAt !== undefined ? 'lost' : 'open';
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

async function loadOwnedOrReplay(deps: DialogueDeps, cmd: TurnCommand): Promise<DialogueState | TurnAnswer> {
  const replay = await deps.store.turnResult(cmd.dialogueId, cmd.messageId);
  if (replay) {
    if (replay.dialogue.playerId !== cmd.playerId) await loadOwnedState(deps.store, cmd.dialogueId, cmd.playerId);
    return { result: replay, replayed: true };
  }
  return loadOwnedState(deps.store, cmd.dialogueId, cmd.playerId);
}

/**
 * Take the dialogue's turn lock. Another message holding it is a 409; the same messageId holding it
 * is a retry of a turn in progress: wait for its answer, or take over if it gave up without one.
 */
async function acquireTurnLock(deps: DialogueDeps, cmd: TurnCommand, signal?: AbortSignal): Promise<TurnAnswer | null> {
  // The first attempt renews its lock while it runs: wait as long as a turn may take, not one lock life.
  const deadline = Date.now() + REPLAY_WAIT_MS;
  for (;;) {
    const lock = await deps.store.lockTurn(cmd.dialogueId, cmd.messageId, deps.turnLockMs);
    if (lock.acquired) return null;
    if (lock.heldBy !== cmd.messageId) {
      throw new TurnInFlight('another turn of this dialogue is in progress; retry when it is done', {
        details: { retryAfterMs: 1000 },
      });
    }
    if (signal?.aborted) throw new Aborted('the player left');
    if (Date.now() > deadline) throw new TurnInFlight('the first attempt of this message is still in progress');
    await new Promise((r) => setTimeout(r, REPLAY_POLL_MS));
    const result = await deps.store.turnResult(cmd.dialogueId, cmd.messageId);
    if (result) return { result, replayed: true };
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
