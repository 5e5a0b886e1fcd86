import type { Character, Goal, Strategy } from './character';
import {
  MAX_OPINION_STEP,
  MAX_PROGRESS_STEP,
  RECENT_TURNS_WINDOW,
  type Appraisal,
  type Changes,
  type DialogueState,
  type Option,
  type Outcome,
  type Turn,
  type TurnResult,
} from './dialogue';
import { BadRequest, DialogueEnded, InvalidGoal, InvalidOption, InvalidStrategy } from './errors';
import { buildEvent, dialogueEventId, type ParleyEvent } from './events';
import type { CharacterBrief } from './ai-tasks';
import {
  boundedMood,
  gameOf,
  goalRequires,
  initialGame,
  nextOpinion,
  rememberReply,
  type RulesDecision,
} from './dialogue-rules';
import type { Memory, Relationship } from './memory';

/** Who emits and when: passed in, so transitions stay free of clocks and config. */
export type EventContext = { source: string; now: Date; traceparent?: string | undefined };

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const round = (value: number, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

export function findGoal(character: Character, goalId: string): Goal {
  const goal = character.goals.find((g) => g.id === goalId);
  if (!goal) {
    throw new InvalidGoal(`"${goalId}" is not a goal of ${character.name}`, {
      details: { validGoalIds: character.goals.map((g) => g.id) },
    });
  }
  return goal;
}

export function findStrategy(goal: Goal, strategyId: string): Strategy {
  const strategy = goal.strategies.find((s) => s.id === strategyId);
  if (!strategy) {
    throw new InvalidStrategy(`"${strategyId}" is not a valid strategy for the goal "${goal.id}"`, {
      details: { validStrategyIds: goal.strategies.map((s) => s.id) },
    });
  }
  return strategy;
}

/** Goal and strategy checked together; the strategy defaults to the goal's first. */
export function chooseGoalAndStrategy(character: Character, goalId: string, strategyId?: string) {
  const goal = findGoal(character, goalId);
  const strategy = findStrategy(goal, strategyId ?? goal.strategies[0]!.id);
  return { goal, strategy };
}

/**
 * What the AI tasks know of a character in a dialogue. Once the goal is won (by the rules' memory),
 * the goal's `reveals` become `allowedSecrets`: the gateway's secret filter lets exactly those through.
 */
export function characterBrief(
  character: Character,
  state?: Pick<DialogueState, 'goalId' | 'game' | 'participants'>,
): CharacterBrief {
  const goal = state ? character.goals.find((g) => g.id === state.goalId) : undefined;
  const revealed = goal && state?.game?.goalAchievedAt !== undefined ? goal.reveals : [];
  return {
    id: character.id,
    name: character.name,
    persona: character.persona,
    greeting: character.greeting,
    traits: character.traits,
    secrets: character.secrets,
    mood: state?.participants.character.mood ?? character.baselineMood,
    opinionOfPlayer: state?.participants.character.opinions.player ?? character.opinions.player ?? 0,
    pronouns: character.pronouns,
    opinions: state?.participants.character.opinions ?? character.opinions,
    ...(revealed.length > 0 ? { allowedSecrets: revealed } : {}),
  };
}

/** Options get short ids the player sends back; their order is the AI's. */
export function numberOptions(options: Array<Omit<Option, 'id'>>, goal: Goal): Option[] {
  const valid = new Set(goal.strategies.map((s) => s.id));
  return options
    .filter((o) => valid.has(o.strategyId))
    .map((o, i) => ({ id: `opt-${i + 1}`, text: o.text, strategyId: o.strategyId }));
}

function keepRecent(turns: Turn[]): Turn[] {
  return turns.slice(-RECENT_TURNS_WINDOW);
}

export function startDialogue(input: {
  id: string;
  playerId: string;
  character: Character;
  goal: Goal;
  strategy: Strategy;
  greetingText: string;
  options: Option[];
  ctx: EventContext;
}): { state: DialogueState; greeting: Turn; events: ParleyEvent[] } {
  const { character, ctx } = input;
  const at = ctx.now.toISOString();
  const greeting: Turn = { seq: 0, speaker: 'character', text: input.greetingText, at };
  const state: DialogueState = {
    id: input.id,
    playerId: input.playerId,
    characterId: character.id,
    goalId: input.goal.id,
    strategyId: input.strategy.id,
    participants: {
      player: { id: input.playerId, mood: { emotion: 'neutral', intensity: 0, valence: 0 }, opinions: {}, traits: {} },
      character: {
        id: character.id,
        mood: character.baselineMood,
        opinions: character.opinions,
        traits: character.traits,
      },
    },
    recentTurns: [greeting],
    turnCount: 0,
    goalProgress: 0,
    game: rememberReply(initialGame(character), input.greetingText),
    status: 'active',
    options: input.options,
    version: 0,
    createdAt: at,
    updatedAt: at,
  };
  const event = buildEvent({
    id: dialogueEventId(state.id, 'dialogue.initiate', 0),
    type: 'dialogue.initiate',
    source: ctx.source,
    subject: state.id,
    time: at,
    sequence: 0,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    data: {
      dialogueId: state.id,
      playerId: state.playerId,
      characterId: state.characterId,
      goalId: state.goalId,
      strategyId: state.strategyId,
      participants: state.participants,
      greeting,
    },
  });
  return { state, greeting, events: [event] };
}

export type PlayerMove = { optionId?: string | undefined; text?: string | undefined; strategyId?: string | undefined };

/**
 * Whether `move` is the move that produced the stored player `turn` (a retry), rather than another
 * move under the same messageId: the same option, or the same text; a strategy, when given, must be
 * the one the turn used (left out, it is whatever the turn used).
 */
export function isSameMove(move: PlayerMove, turn: Pick<Turn, 'text' | 'optionId' | 'strategyId'>): boolean {
  if (move.strategyId !== undefined && move.strategyId !== turn.strategyId) return false;
  if (move.optionId !== undefined) return turn.optionId === move.optionId;
  return turn.optionId === undefined && turn.text === move.text;
}

/**
 * What the player says this turn and with which strategy: a chosen option brings its own text
 * and strategy; free text uses the strategy given, else the dialogue's.
 */
export function resolvePlayerMove(
  state: DialogueState,
  goal: Goal,
  move: PlayerMove,
): { text: string; strategy: Strategy; optionId?: string } {
  if (state.status !== 'active') throw new DialogueEnded(`dialogue ${state.id} has ended`);
  if (move.optionId !== undefined) {
    const option = state.options.find((o) => o.id === move.optionId);
    if (!option) {
      throw new InvalidOption(`"${move.optionId}" is not one of the options offered`, {
        details: { validOptionIds: state.options.map((o) => o.id) },
      });
    }
    if (move.strategyId !== undefined && move.strategyId !== option.strategyId) {
      throw new InvalidStrategy(`option "${option.id}" goes with the strategy "${option.strategyId}"`, {
        details: { validStrategyIds: [option.strategyId] },
      });
    }
    return { text: option.text, strategy: findStrategy(goal, option.strategyId), optionId: option.id };
  }
  // Callers validate the body, but the domain must never turn "nothing said" into an empty line.
  if (move.text === undefined || move.text.trim() === '') throw new BadRequest('a move needs an optionId or some text');
  return { text: move.text, strategy: findStrategy(goal, move.strategyId ?? state.strategyId) };
}

/** The AI proposes; the domain disposes: every change is bounded per turn and in range. */
export function boundAppraisal(state: DialogueState, appraisal: Appraisal): Changes {
  const moodBefore = state.participants.character.mood;
  const moodAfter = boundedMood(appraisal);
  const opinionBefore = state.participants.character.opinions.player ?? 0;
  const opinionAfter = nextOpinion(opinionBefore, clamp(appraisal.opinionDelta, -MAX_OPINION_STEP, MAX_OPINION_STEP));
  const progressBefore = state.goalProgress;
  const progressAfter = round(
    clamp(progressBefore + clamp(appraisal.goalProgressDelta, -MAX_PROGRESS_STEP, MAX_PROGRESS_STEP), 0, 1),
  );
  return {
    mood: { before: moodBefore, after: moodAfter },
    opinion: { before: opinionBefore, after: opinionAfter, delta: round(opinionAfter - opinionBefore, 1) },
    goalProgress: { before: progressBefore, after: progressAfter, delta: round(progressAfter - progressBefore) },
    reasons: appraisal.reasons,
  };
}

export function applyTurn(
  state: DialogueState,
  turn: {
    playerText: string;
    strategyId: string;
    optionId?: string | undefined;
    replyText: string;
    nextOptions: Option[];
    /** Ids of the memories this turn's prompt recalled (absent when the character keeps no memory). */
    recalled?: string[];
  } & (
    | {
        /** What the rules decided (`decideTurn`): changes, verdict and the rules' memory. */
        decision: Pick<RulesDecision, 'changes' | 'game'>;
      }
    | {
        /** An appraisal applied as is, bounded but without the game rules (tools and tests of storage). */
        appraisal: Appraisal;
      }
  ),
  ctx: EventContext,
): { state: DialogueState; newTurns: Turn[]; result: TurnResult; events: ParleyEvent[] } {
  if (state.status !== 'active') throw new DialogueEnded(`dialogue ${state.id} has ended`);
  const at = ctx.now.toISOString();
  const seq = state.turnCount + 1;
  const playerTurn: Turn = {
    seq,
    speaker: 'player',
    text: turn.playerText,
    strategyId: turn.strategyId,
    ...(turn.optionId ? { optionId: turn.optionId } : {}),
    at,
  };
  const reply: Turn = { seq, speaker: 'character', text: turn.replyText, at };
  const changes: Changes = {
    ...('decision' in turn ? turn.decision.changes : boundAppraisal(state, turn.appraisal)),
    ...(turn.recalled ? { recalled: turn.recalled } : {}),
  };
  const game = 'decision' in turn ? rememberReply(turn.decision.game, turn.replyText) : state.game;
  const character = state.participants.character;
  const next: DialogueState = {
    ...state,
    participants: {
      ...state.participants,
      character: {
        ...character,
        mood: changes.mood.after,
        opinions: { ...character.opinions, player: changes.opinion.after },
      },
    },
    recentTurns: keepRecent([...state.recentTurns, playerTurn, reply]),
    turnCount: seq,
    goalProgress: changes.goalProgress.after,
    ...(game ? { game } : {}),
    options: turn.nextOptions,
    version: state.version + 1,
    updatedAt: at,
  };
  const event = buildEvent({
    id: dialogueEventId(state.id, 'dialogue.progress', seq),
    type: 'dialogue.progress',
    source: ctx.source,
    subject: state.id,
    time: at,
    sequence: seq,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    data: {
      dialogueId: state.id,
      characterId: state.characterId,
      seq,
      strategyId: turn.strategyId,
      playerTurn,
      characterTurn: reply,
      changes,
    },
  });
  return {
    state: next,
    newTurns: [playerTurn, reply],
    result: { playerTurn, reply, changes, options: turn.nextOptions, dialogue: next },
    events: [event],
  };
}

/** Whether the dialogue reached its goal at any turn (reached is sticky: later losses do not undo it). */
export function goalAchieved(state: DialogueState, character: Character, goal: Goal): boolean {
  return gameOf(state, character, goal).goalAchievedAt !== undefined;
}

/** Whether the goal's conditions on progress alone are met (for display; the rules decide `goalAchieved`). */
export function progressMeetsGoal(goalProgress: number, goal: Goal): boolean {
  return goalProgress >= goalRequires(goal).progress;
}

export function endDialogue(
  state: DialogueState,
  input: {
    /** The character as this dialogue started: the catalog's, with the opinion and mood its relationship with the player gave. */
    character: Character;
    summary: string;
    endedBy: Outcome['endedBy'];
    reason?: string | undefined;
    /** What the character keeps of the player after this ending, for `dialogue.resolve`. */
    memory?: { written: Memory[]; relationship: Relationship } | undefined;
  },
  ctx: EventContext,
): { outcome: Outcome; events: ParleyEvent[] } {
  if (state.status !== 'active') throw new DialogueEnded(`dialogue ${state.id} has ended`);
  const game = gameOf(state, input.character, findGoal(input.character, state.goalId));
  const endedAt = ctx.now.toISOString();
  const from = input.character.baselineMood;
  const to = state.participants.character.mood;
  const opinionFrom = input.character.opinions.player ?? 0;
  const opinionTo = state.participants.character.opinions.player ?? 0;
  const outcome: Outcome = {
    dialogueId: state.id,
    playerId: state.playerId,
    characterId: state.characterId,
    goalId: state.goalId,
    strategyId: state.strategyId,
    goalAchieved: game.goalAchievedAt !== undefined,
    ...(game.goalAchievedAt !== undefined ? { goalAchievedAt: game.goalAchievedAt } : {}),
    goalLost: game.goalLostAt !== undefined,
    goalProgress: state.goalProgress,
    turnCount: state.turnCount,
    strategies: game.strategies,
    durationMs: Math.max(0, ctx.now.getTime() - Date.parse(state.createdAt)),
    moodChange: { from, to, valenceDelta: round(to.valence - from.valence) },
    opinionChange: { from: opinionFrom, to: opinionTo, delta: round(opinionTo - opinionFrom, 1) },
    summary: input.summary,
    endedBy: input.endedBy,
    ...(input.reason ? { reason: input.reason } : {}),
    endedAt,
  };
  const sequence = state.turnCount + 1;
  const event = buildEvent({
    id: dialogueEventId(state.id, 'dialogue.resolve', sequence),
    type: 'dialogue.resolve',
    source: ctx.source,
    subject: state.id,
    time: endedAt,
    sequence,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    data: input.memory ? { ...outcome, memory: input.memory } : outcome,
  });
  return { outcome, events: [event] };
}

/** The numbers a summary must agree with: what the summarize task gets besides the history. */
export function summaryNumbers(state: DialogueState, character: Character, goal: Goal, endedBy: Outcome['endedBy']) {
  const game = gameOf(state, character, goal);
  return {
    goalLost: game.goalLostAt !== undefined,
    endedBy,
    opinionChange: { from: character.opinions.player ?? 0, to: state.participants.character.opinions.player ?? 0 },
    strategies: game.strategies,
  };
}

/**
 * A summary that needs no AI, true to the numbers: used when the summarize task fails, so ending
 * never fails on it. It claims a win only when the goal was reached.
 */
export function plainSummary(
  character: Character,
  goal: Goal,
  state: DialogueState,
  endedBy: Outcome['endedBy'] = 'player',
): string {
  const game = gameOf(state, character, goal);
  const result =
    game.goalAchievedAt !== undefined
      ? `reached the goal "${goal.description}" at turn ${game.goalAchievedAt}`
      : game.goalLostAt !== undefined
        ? `lost the goal "${goal.description}"`
        : `did not reach the goal "${goal.description}"`;
  const opinionFrom = character.opinions.player ?? 0;
  const opinionTo = state.participants.character.opinions.player ?? 0;
  const left = endedBy === 'character' ? ` ${character.name} ended the conversation.` : '';
  return (
    `Over ${state.turnCount} turn(s) with ${character.name}, the player ${result} (progress ${Math.round(state.goalProgress * 100)}%, ` +
    `opinion ${opinionFrom} -> ${opinionTo}).${left}`
  );
}
