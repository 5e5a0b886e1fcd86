import fc from 'fast-check';
import { CharacterSchema, type Character } from './character';
import {
  AppraisalSchema,
  DialogueStateSchema,
  MAX_OPINION_STEP,
  MAX_PROGRESS_STEP,
  OptionSchema,
  OutcomeSchema,
  RECENT_TURNS_WINDOW,
  type Appraisal,
  type DialogueState,
  type Option,
} from './dialogue';
import { BadRequest, DialogueEnded, InvalidGoal, InvalidOption, InvalidStrategy, ParleyError } from './errors';
import { InitiateDataSchema, ParleyEventSchema, ProgressDataSchema, dialogueEventId } from './events';
import {
  applyTurn,
  boundAppraisal,
  characterBrief,
  chooseGoalAndStrategy,
  endDialogue,
  numberOptions,
  plainSummary,
  isSameMove,
  resolvePlayerMove,
  startDialogue,
  type EventContext,
  type PlayerMove,
} from './transitions';
import { smithOdo } from '../../../test/support/smith-odo';

const character: Character = CharacterSchema.parse(smithOdo());
const buySword = character.goals[0]!;
const learnDebt = character.goals[1]!;

const DIALOGUE_ID = '3f1c2b7e-8a4d-4c1e-9b2a-5d6e7f809a1b';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const T0 = new Date('2030-05-01T10:00:00.000Z');
const at = (secondsAfterT0: number) => new Date(T0.getTime() + secondsAfterT0 * 1000);
const ctx = (now: Date, traceparent?: string): EventContext => ({ source: '/parley/test', now, traceparent });

/** The one event a transition emitted, checked against the schema and its envelope (id, type, subject, time, sequence). */
function onlyEvent(
  events: unknown[],
  type: 'dialogue.initiate' | 'dialogue.progress' | 'dialogue.resolve',
  sequence: number,
  time: Date,
) {
  expect(events).toHaveLength(1);
  const event = ParleyEventSchema.parse(events[0]);
  expect(event).toMatchObject({
    id: dialogueEventId(DIALOGUE_ID, type, sequence),
    type,
    source: '/parley/test',
    subject: DIALOGUE_ID,
    time: time.toISOString(),
    sequence,
  });
  return event;
}

const offered: Option[] = [
  { id: 'opt-1', text: 'Fair price for fair steel?', strategyId: 'persuade' },
  { id: 'opt-2', text: 'A little extra for your trouble.', strategyId: 'bribe' },
];

function start(traceparent?: string) {
  const { goal, strategy } = chooseGoalAndStrategy(character, 'buy-sword');
  return startDialogue({
    id: DIALOGUE_ID,
    playerId: 'player-7',
    character,
    goal,
    strategy,
    greetingText: character.greeting,
    options: offered,
    ctx: ctx(T0, traceparent),
  });
}

function appraisal(overrides: Partial<Appraisal> = {}): Appraisal {
  return AppraisalSchema.parse({
    emotion: 'amused',
    intensity: 0.6,
    valence: 0.3,
    opinionDelta: 5,
    goalProgressDelta: 0.1,
    reasons: ['the player haggled fairly'],
    ...overrides,
  });
}

function turnInput(n: number, overrides: Partial<Parameters<typeof applyTurn>[1]> = {}) {
  return {
    playerText: `player line ${n}`,
    strategyId: 'persuade',
    replyText: `reply ${n}`,
    appraisal: appraisal(),
    nextOptions: [{ id: 'opt-1', text: `option after ${n}`, strategyId: 'bribe' }],
    ...overrides,
  };
}

/** The error `fn` throws; fails the test when it throws nothing. */
function thrownBy(fn: () => unknown): ParleyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ParleyError);
    return err as ParleyError;
  }
  throw new Error('expected a throw');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const ended = (state: DialogueState): DialogueState => ({ ...state, status: 'ended' });

describe('chooseGoalAndStrategy', () => {
  it.each([
    { goalId: 'buy-sword', strategyId: 'bribe', goal: 'buy-sword', strategy: 'bribe' },
    { goalId: 'buy-sword', strategyId: 'persuade', goal: 'buy-sword', strategy: 'persuade' },
    { goalId: 'learn-debt', strategyId: 'flatter', goal: 'learn-debt', strategy: 'flatter' },
    // No strategy given: the goal's first.
    { goalId: 'buy-sword', strategyId: undefined, goal: 'buy-sword', strategy: 'persuade' },
    { goalId: 'learn-debt', strategyId: undefined, goal: 'learn-debt', strategy: 'flatter' },
  ])('$goalId + $strategyId -> $goal / $strategy', ({ goalId, strategyId, goal, strategy }) => {
    const chosen = chooseGoalAndStrategy(character, goalId, strategyId);
    expect(chosen.goal.id).toBe(goal);
    expect(chosen.strategy.id).toBe(strategy);
  });

  it.each([
    {
      goalId: 'steal-horse',
      strategyId: 'persuade',
      error: InvalidGoal,
      details: { validGoalIds: ['buy-sword', 'learn-debt'] },
    },
    {
      goalId: 'steal-horse',
      strategyId: undefined,
      error: InvalidGoal,
      details: { validGoalIds: ['buy-sword', 'learn-debt'] },
    },
    // Valid for another goal of the same character is still invalid here.
    { goalId: 'learn-debt', strategyId: 'bribe', error: InvalidStrategy, details: { validStrategyIds: ['flatter'] } },
    {
      goalId: 'buy-sword',
      strategyId: 'flatter',
      error: InvalidStrategy,
      details: { validStrategyIds: ['persuade', 'bribe'] },
    },
    {
      goalId: 'buy-sword',
      strategyId: 'Persuade',
      error: InvalidStrategy,
      details: { validStrategyIds: ['persuade', 'bribe'] },
    },
  ])('$goalId + $strategyId -> $error.name', ({ goalId, strategyId, error, details }) => {
    const err = thrownBy(() => chooseGoalAndStrategy(character, goalId, strategyId));
    expect(err).toBeInstanceOf(error);
    expect(err.status).toBe(422);
    expect(err.details).toEqual(details);
  });
});

describe('startDialogue', () => {
  it('builds a valid active state at version 0 with the greeting as turn 0', () => {
    const { state, greeting } = start();
    expect(DialogueStateSchema.parse(state)).toEqual(state);
    expect(greeting).toEqual({ seq: 0, speaker: 'character', text: character.greeting, at: T0.toISOString() });
    expect(state).toMatchObject({
      id: DIALOGUE_ID,
      playerId: 'player-7',
      characterId: 'smith-odo',
      goalId: 'buy-sword',
      strategyId: 'persuade',
      status: 'active',
      version: 0,
      turnCount: 0,
      goalProgress: 0,
      recentTurns: [greeting],
      options: offered,
      createdAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
    });
  });

  it('takes the participants from the character', () => {
    const { participants } = start().state;
    expect(participants.character).toEqual({
      id: 'smith-odo',
      mood: character.baselineMood,
      opinions: character.opinions,
      traits: character.traits,
    });
    expect(participants.player.id).toBe('player-7');
  });

  it.each([
    { traceparent: TRACEPARENT, expected: TRACEPARENT },
    { traceparent: undefined, expected: undefined },
  ])('emits one dialogue.initiate event (traceparent $traceparent)', ({ traceparent, expected }) => {
    const { state, greeting, events } = start(traceparent);
    const event = onlyEvent(events, 'dialogue.initiate', 0, T0);
    expect(event.traceparent).toBe(expected);
    expect('traceparent' in event).toBe(expected !== undefined);
    expect(InitiateDataSchema.parse(event.data)).toEqual({
      dialogueId: DIALOGUE_ID,
      playerId: 'player-7',
      characterId: 'smith-odo',
      goalId: 'buy-sword',
      strategyId: 'persuade',
      participants: state.participants,
      greeting,
    });
  });
});

describe('resolvePlayerMove', () => {
  const state = start().state;

  it.each<{ name: string; move: PlayerMove; text: string; strategy: string; optionId?: string }>([
    {
      name: 'option',
      move: { optionId: 'opt-2' },
      text: 'A little extra for your trouble.',
      strategy: 'bribe',
      optionId: 'opt-2',
    },
    {
      name: 'option + its own strategy',
      move: { optionId: 'opt-1', strategyId: 'persuade' },
      text: 'Fair price for fair steel?',
      strategy: 'persuade',
      optionId: 'opt-1',
    },
    { name: 'free text, dialogue strategy', move: { text: 'How much?' }, text: 'How much?', strategy: 'persuade' },
    {
      name: 'free text + strategy',
      move: { text: 'Here, for you.', strategyId: 'bribe' },
      text: 'Here, for you.',
      strategy: 'bribe',
    },
  ])('$name', ({ move, text, strategy, optionId }) => {
    const resolved = resolvePlayerMove(state, buySword, move);
    expect(resolved.text).toBe(text);
    expect(resolved.strategy.id).toBe(strategy);
    expect(resolved.optionId).toBe(optionId);
  });

  it.each<{ name: string; move: PlayerMove; error: typeof ParleyError; details: unknown }>([
    {
      name: 'unknown option',
      move: { optionId: 'opt-9' },
      error: InvalidOption,
      details: { validOptionIds: ['opt-1', 'opt-2'] },
    },
    {
      name: 'option + conflicting strategy',
      move: { optionId: 'opt-1', strategyId: 'bribe' },
      error: InvalidStrategy,
      details: { validStrategyIds: ['persuade'] },
    },
    {
      name: 'free text + strategy of another goal',
      move: { text: 'Fine work.', strategyId: 'flatter' },
      error: InvalidStrategy,
      details: { validStrategyIds: ['persuade', 'bribe'] },
    },
    {
      name: 'free text + unknown strategy',
      move: { text: 'Hm.', strategyId: 'juggle' },
      error: InvalidStrategy,
      details: { validStrategyIds: ['persuade', 'bribe'] },
    },
  ])('$name -> $error.name', ({ move, error, details }) => {
    const err = thrownBy(() => resolvePlayerMove(state, buySword, move));
    expect(err).toBeInstanceOf(error);
    expect(err.status).toBe(422);
    expect(err.details).toEqual(details);
  });

  it.each<PlayerMove>([{}, { text: '' }, { text: '   ' }, { strategyId: 'bribe' }])(
    'a move with nothing said -> BadRequest for %j',
    (move) => {
      const err = thrownBy(() => resolvePlayerMove(state, buySword, move));
      expect(err).toBeInstanceOf(BadRequest);
      expect(err.status).toBe(400);
    },
  );

  it('rejects an offered option whose strategy is not valid for the goal', () => {
    const tampered: DialogueState = {
      ...state,
      options: [{ id: 'opt-1', text: 'Nice hammer.', strategyId: 'flatter' }],
    };
    expect(thrownBy(() => resolvePlayerMove(tampered, buySword, { optionId: 'opt-1' }))).toBeInstanceOf(
      InvalidStrategy,
    );
  });

  it.each<PlayerMove>([{ optionId: 'opt-1' }, { text: 'Hello?' }, { optionId: 'opt-9' }])(
    'ended dialogue -> DialogueEnded for %j',
    (move) => {
      const err = thrownBy(() => resolvePlayerMove(ended(state), buySword, move));
      expect(err).toBeInstanceOf(DialogueEnded);
      expect(err.status).toBe(409);
    },
  );
});

describe('boundAppraisal', () => {
  const base = start().state;
  const withValues = (opinion: number, progress: number): DialogueState => ({
    ...base,
    goalProgress: progress,
    participants: {
      ...base.participants,
      character: { ...base.participants.character, opinions: { player: opinion } },
    },
  });

  it.each([
    { name: 'small step passes', opinion: 20, opinionDelta: 5, after: 25 },
    { name: 'big rise clamped to the step', opinion: 20, opinionDelta: 100, after: 20 + MAX_OPINION_STEP },
    { name: 'big fall clamped to the step', opinion: 20, opinionDelta: -100, after: 20 - MAX_OPINION_STEP },
    { name: 'exact step passes', opinion: 0, opinionDelta: MAX_OPINION_STEP, after: MAX_OPINION_STEP },
    { name: 'capped at 100', opinion: 95, opinionDelta: 15, after: 100 },
    { name: 'floored at -100', opinion: -95, opinionDelta: -60, after: -100 },
  ])('opinion: $name', ({ opinion, opinionDelta, after }) => {
    const changes = boundAppraisal(withValues(opinion, 0.5), appraisal({ opinionDelta }));
    expect(changes.opinion).toEqual({ before: opinion, after, delta: after - opinion });
  });

  it.each([
    { name: 'small step passes', progress: 0.5, goalProgressDelta: 0.1, after: 0.6 },
    { name: 'big rise clamped to the step', progress: 0.2, goalProgressDelta: 1, after: 0.2 + MAX_PROGRESS_STEP },
    { name: 'big fall clamped to the step', progress: 0.5, goalProgressDelta: -1, after: 0.5 - MAX_PROGRESS_STEP },
    { name: 'capped at 1', progress: 0.9, goalProgressDelta: 0.3, after: 1 },
    { name: 'floored at 0', progress: 0.1, goalProgressDelta: -0.3, after: 0 },
  ])('goal progress: $name', ({ progress, goalProgressDelta, after }) => {
    const changes = boundAppraisal(withValues(0, progress), appraisal({ goalProgressDelta }));
    expect(changes.goalProgress.before).toBe(progress);
    expect(changes.goalProgress.after).toBeCloseTo(after, 10);
    expect(changes.goalProgress.delta).toBeCloseTo(after - progress, 10);
  });

  it('does not let rounding carry an off-grid opinion past the step', () => {
    const changes = boundAppraisal(withValues(12.36, 0), appraisal({ opinionDelta: 90 }));
    expect(changes.opinion.after - 12.36).toBeLessThanOrEqual(MAX_OPINION_STEP);
    expect(changes.opinion.after).toBeCloseTo(12.36 + MAX_OPINION_STEP, 10);
  });

  it('takes the mood from the appraisal and keeps the reasons', () => {
    const reasons = ['he likes honest hagglers', 'the price was fair'];
    const changes = boundAppraisal(base, appraisal({ emotion: 'pleased', intensity: 0.8, valence: 0.5, reasons }));
    expect(changes.mood).toEqual({
      before: character.baselineMood,
      after: { emotion: 'pleased', intensity: 0.8, valence: 0.5 },
    });
    expect(changes.reasons).toEqual(reasons);
  });

  it('bounds any appraisal the AI may send, from any reachable state', () => {
    // Opinions as a character file may hold them (off the 0.1 grid the domain writes, e.g. 12.36);
    // progress on the 0.001 grid the domain writes from 0. (fc.double leans to tiny values.)
    const opinion = fc.integer({ min: -10_000, max: 10_000 }).map((n) => n / 100);
    const progress = fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000);
    const anyAppraisal = fc.record({
      opinionDelta: fc.double({ min: -100, max: 100, noNaN: true }),
      goalProgressDelta: fc.double({ min: -1, max: 1, noNaN: true }),
      intensity: fc.double({ min: 0, max: 1, noNaN: true }),
      valence: fc.double({ min: -1, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(opinion, progress, anyAppraisal, (o, p, a) => {
        const changes = boundAppraisal(withValues(o, p), appraisal(a));
        const eps = 1e-9;
        expect(Math.abs(changes.opinion.after - o)).toBeLessThanOrEqual(MAX_OPINION_STEP + eps);
        expect(Math.abs(changes.goalProgress.after - p)).toBeLessThanOrEqual(MAX_PROGRESS_STEP + eps);
        expect(changes.opinion.after).toBeGreaterThanOrEqual(-100);
        expect(changes.opinion.after).toBeLessThanOrEqual(100);
        expect(changes.goalProgress.after).toBeGreaterThanOrEqual(0);
        expect(changes.goalProgress.after).toBeLessThanOrEqual(1);
        // The reported delta is rounded to 0.1, like the values the domain writes.
        expect(Math.abs(changes.opinion.delta - (changes.opinion.after - o))).toBeLessThanOrEqual(0.05 + eps);
        expect(changes.goalProgress.delta).toBeCloseTo(changes.goalProgress.after - p, 6);
        // What is applied must still be a valid state.
        DialogueStateSchema.parse(
          applyTurn(withValues(o, p), turnInput(1, { appraisal: appraisal(a) }), ctx(at(1))).state,
        );
      }),
      { seed: 4242, numRuns: 500 },
    );
  });
});

describe('applyTurn', () => {
  it('applies one turn: seq, version, turns, options, bounded changes', () => {
    const { state, greeting } = start();
    const input = turnInput(1, {
      optionId: 'opt-1',
      appraisal: appraisal({ opinionDelta: 90, goalProgressDelta: 0.2 }),
    });
    const { state: next, newTurns, result } = applyTurn(state, input, ctx(at(30)));

    const [playerTurn, reply] = newTurns;
    expect(playerTurn).toEqual({
      seq: 1,
      speaker: 'player',
      text: 'player line 1',
      strategyId: 'persuade',
      optionId: 'opt-1',
      at: at(30).toISOString(),
    });
    expect(reply).toEqual({ seq: 1, speaker: 'character', text: 'reply 1', at: at(30).toISOString() });
    expect(DialogueStateSchema.parse(next)).toEqual(next);
    expect(next).toMatchObject({
      turnCount: 1,
      version: 1,
      status: 'active',
      recentTurns: [greeting, playerTurn, reply],
      options: input.nextOptions,
      goalProgress: 0.2,
      createdAt: T0.toISOString(),
      updatedAt: at(30).toISOString(),
    });
    expect(next.participants.character.opinions).toEqual({ player: 20 + MAX_OPINION_STEP, 'innkeeper-mara': -5 });
    expect(next.participants.character.mood).toEqual({ emotion: 'amused', intensity: 0.6, valence: 0.3 });
    expect(result).toEqual({ playerTurn, reply, changes: result.changes, options: input.nextOptions, dialogue: next });
    expect(result.changes.opinion).toEqual({ before: 20, after: 35, delta: 15 });
  });

  it('leaves optionId out of a free-text player turn', () => {
    const { newTurns } = applyTurn(start().state, turnInput(1), ctx(at(1)));
    expect(newTurns[0]).not.toHaveProperty('optionId');
  });

  it.each([TRACEPARENT, undefined])('emits one dialogue.progress event (traceparent %s)', (traceparent) => {
    const { state } = start();
    const { events, result } = applyTurn(state, turnInput(1), ctx(at(5), traceparent));
    const event = onlyEvent(events, 'dialogue.progress', 1, at(5));
    expect(event.traceparent).toBe(traceparent);
    expect(ProgressDataSchema.parse(event.data)).toEqual({
      dialogueId: DIALOGUE_ID,
      characterId: 'smith-odo',
      seq: 1,
      strategyId: 'persuade',
      playerTurn: result.playerTurn,
      characterTurn: result.reply,
      changes: result.changes,
    });
  });

  it('is deterministic: the same turn twice gives the same state and the same event id', () => {
    const { state } = start();
    const first = applyTurn(state, turnInput(1), ctx(at(5)));
    const retry = applyTurn(state, turnInput(1), ctx(at(5)));
    expect(retry).toEqual(first);
    expect(retry.events[0]!.id).toBe(first.events[0]!.id);
  });

  it('does not mutate the state it is given, nor the character', () => {
    const characterBefore = structuredClone(character);
    const { state } = start();
    const snapshot = structuredClone(state);
    // Frozen: any write to the input throws in strict mode.
    const { state: next } = applyTurn(
      deepFreeze(state),
      turnInput(1, { appraisal: appraisal({ opinionDelta: -15 }) }),
      ctx(at(5)),
    );
    expect(state).toEqual(snapshot);
    expect(character).toEqual(characterBefore);
    expect(next.participants.character.opinions.player).toBe(5);
  });

  it('keeps the recent turns window bounded over many turns', () => {
    let { state } = start();
    const ids = new Set<string>();
    const turns = 3 * RECENT_TURNS_WINDOW + 1;
    for (let n = 1; n <= turns; n++) {
      const { state: next, events } = applyTurn(state, turnInput(n), ctx(at(n)));
      expect(next.recentTurns.length).toBeLessThanOrEqual(RECENT_TURNS_WINDOW);
      expect(next.turnCount).toBe(n);
      expect(next.version).toBe(n);
      expect(events[0]!.sequence).toBe(n);
      ids.add(events[0]!.id);
      DialogueStateSchema.parse(next);
      state = next;
    }
    expect(ids.size).toBe(turns);
    // The newest turns are the ones kept, oldest first.
    expect(state.recentTurns).toHaveLength(RECENT_TURNS_WINDOW);
    expect(state.recentTurns.at(-1)).toMatchObject({ seq: turns, speaker: 'character', text: `reply ${turns}` });
    expect(state.recentTurns.map((t) => t.seq)).toEqual([...state.recentTurns.map((t) => t.seq)].sort((a, b) => a - b));
    expect(state.recentTurns[0]!.seq).toBe(turns - RECENT_TURNS_WINDOW / 2 + 1);
    // Progress accumulated by 0.1 a turn and stopped at 1.
    expect(state.goalProgress).toBe(1);
  });

  it('refuses a turn on an ended dialogue', () => {
    expect(thrownBy(() => applyTurn(ended(start().state), turnInput(1), ctx(at(1))))).toBeInstanceOf(DialogueEnded);
  });
});

describe('endDialogue', () => {
  function playedTo(progress: number, turns = 2): DialogueState {
    let { state } = start();
    for (let n = 1; n <= turns; n++) {
      state = applyTurn(
        state,
        turnInput(n, { appraisal: appraisal({ valence: 0.4, opinionDelta: 4 }) }),
        ctx(at(n)),
      ).state;
    }
    return { ...state, goalProgress: progress };
  }

  it.each([
    { progress: 0.9, achievedAt: undefined, achieved: false },
    { progress: 0.2, achievedAt: 2, achieved: true },
    { progress: 1, achievedAt: 1, achieved: true },
  ])(
    'goalAchieved comes from the rules (reached at $achievedAt), not the final progress $progress',
    ({ progress, achievedAt, achieved }) => {
      const state = playedTo(progress);
      const game = { ...state.game!, ...(achievedAt ? { goalAchievedAt: achievedAt } : {}) };
      const { outcome } = endDialogue({ ...state, game }, { character, summary: 's', endedBy: 'player' }, ctx(at(60)));
      expect(outcome.goalAchieved).toBe(achieved);
      expect(outcome.goalAchievedAt).toBe(achievedAt);
      expect(outcome.goalProgress).toBe(progress);
    },
  );

  it('reports duration, mood and opinion change against the character baseline', () => {
    const state = playedTo(0.4, 3);
    const { outcome } = endDialogue(
      state,
      { character, summary: 'They haggled.', endedBy: 'player', reason: 'bored' },
      ctx(at(90)),
    );
    expect(OutcomeSchema.parse(outcome)).toEqual(outcome);
    expect(outcome).toMatchObject({
      dialogueId: DIALOGUE_ID,
      playerId: 'player-7',
      characterId: 'smith-odo',
      goalId: 'buy-sword',
      strategyId: 'persuade',
      turnCount: 3,
      durationMs: 90_000,
      summary: 'They haggled.',
      endedBy: 'player',
      reason: 'bored',
      endedAt: at(90).toISOString(),
    });
    expect(outcome.moodChange.from).toEqual(character.baselineMood);
    expect(outcome.moodChange.to).toEqual(state.participants.character.mood);
    expect(outcome.moodChange.valenceDelta).toBeCloseTo(0.4 - -0.2, 10);
    expect(outcome.opinionChange).toEqual({ from: 20, to: 32, delta: 12 });
  });

  it('leaves reason out when none is given and records who ended it', () => {
    const { outcome } = endDialogue(playedTo(0.1), { character, summary: 's', endedBy: 'timeout' }, ctx(at(10)));
    expect(outcome.endedBy).toBe('timeout');
    expect(outcome).not.toHaveProperty('reason');
  });

  it.each([0, 1, 5])('emits one dialogue.resolve event with sequence turnCount + 1 after %i turns', (turns) => {
    const state = playedTo(0.5, turns);
    const { outcome, events } = endDialogue(
      state,
      { character, summary: 's', endedBy: 'player' },
      ctx(at(100), TRACEPARENT),
    );
    const event = onlyEvent(events, 'dialogue.resolve', turns + 1, at(100));
    expect(event.traceparent).toBe(TRACEPARENT);
    expect(OutcomeSchema.parse(event.data)).toEqual(outcome);
  });

  it('never reports a negative duration when the clock is behind createdAt', () => {
    const { outcome } = endDialogue(playedTo(0, 0), { character, summary: 's', endedBy: 'player' }, ctx(at(-5)));
    expect(outcome.durationMs).toBe(0);
  });

  it('refuses to end an ended dialogue', () => {
    const err = thrownBy(() =>
      endDialogue(ended(playedTo(0.5)), { character, summary: 's', endedBy: 'player' }, ctx(at(1))),
    );
    expect(err).toBeInstanceOf(DialogueEnded);
  });
});

describe('numberOptions', () => {
  it.each([
    {
      name: 'drops strategies not valid for the goal and numbers the rest',
      goal: buySword,
      input: [
        { text: 'Fair price?', strategyId: 'persuade' },
        { text: 'Fine hammer work.', strategyId: 'flatter' },
        { text: 'Coin for you.', strategyId: 'bribe' },
        { text: 'Watch out.', strategyId: 'intimidate' },
        { text: 'Be reasonable.', strategyId: 'persuade' },
      ],
      expected: [
        { id: 'opt-1', text: 'Fair price?', strategyId: 'persuade' },
        { id: 'opt-2', text: 'Coin for you.', strategyId: 'bribe' },
        { id: 'opt-3', text: 'Be reasonable.', strategyId: 'persuade' },
      ],
    },
    {
      name: 'checks against the given goal',
      goal: learnDebt,
      input: [
        { text: 'Fair price?', strategyId: 'persuade' },
        { text: 'Fine hammer work.', strategyId: 'flatter' },
      ],
      expected: [{ id: 'opt-1', text: 'Fine hammer work.', strategyId: 'flatter' }],
    },
    {
      name: 'nothing valid -> no options',
      goal: learnDebt,
      input: [{ text: 'Coin?', strategyId: 'bribe' }],
      expected: [],
    },
  ])('$name', ({ goal, input, expected }) => {
    const options = numberOptions(input, goal);
    expect(options).toEqual(expected);
    for (const o of options) OptionSchema.parse(o);
  });
});

describe('plainSummary', () => {
  it.each([
    { progress: 0.8, turns: 3, achievedAt: 3, lostAt: undefined, says: 'the player reached the goal', percent: '80%' },
    {
      progress: 0.8,
      turns: 3,
      achievedAt: undefined,
      lostAt: undefined,
      says: 'the player did not reach the goal',
      percent: '80%',
    },
    { progress: 0.25, turns: 1, achievedAt: undefined, lostAt: 1, says: 'the player lost the goal', percent: '25%' },
  ])(
    'progress $progress, reached at $achievedAt -> "$says"',
    ({ progress, turns, achievedAt, lostAt, says, percent }) => {
      const begun = start().state;
      const game = {
        ...begun.game!,
        ...(achievedAt ? { goalAchievedAt: achievedAt } : {}),
        ...(lostAt ? { goalLostAt: lostAt } : {}),
      };
      const state: DialogueState = { ...begun, goalProgress: progress, turnCount: turns, game };
      const summary = plainSummary(character, buySword, state);
      expect(summary).toContain(says);
      expect(summary).toContain(character.name);
      expect(summary).toContain(buySword.description);
      expect(summary).toContain(`${turns} turn`);
      expect(summary).toContain(percent);
      for (const secret of character.secrets) expect(summary).not.toContain(secret);
    },
  );

  it('says when the character ended the conversation', () => {
    expect(plainSummary(character, buySword, start().state, 'character')).toContain(
      `${character.name} ended the conversation`,
    );
  });
});

describe('isSameMove: a retry of the stored turn, or another move under the same messageId', () => {
  const byText = { text: 'Lovely stew.', strategyId: 'flatter' };
  const byOption = { text: 'A fine inn.', strategyId: 'flatter', optionId: 'opt-2' };
  it.each([
    ['the same text and strategy', { text: 'Lovely stew.', strategyId: 'flatter' }, byText, true],
    ['the same text, strategy left out', { text: 'Lovely stew.' }, byText, true],
    ['another text', { text: 'Lovely ale.', strategyId: 'flatter' }, byText, false],
    ['the same text, another strategy', { text: 'Lovely stew.', strategyId: 'bribe' }, byText, false],
    ['an option where text was sent', { optionId: 'opt-1' }, byText, false],
    ['the same option', { optionId: 'opt-2' }, byOption, true],
    ['the same option and its strategy', { optionId: 'opt-2', strategyId: 'flatter' }, byOption, true],
    ['another option', { optionId: 'opt-1' }, byOption, false],
    ["the option's text typed instead", { text: 'A fine inn.' }, byOption, false],
  ])('%s -> %s', (_name, move, turn, same) => {
    expect(isSameMove(move, turn)).toBe(same);
  });
});

describe('characterBrief', () => {
  it("allows the goal's reveals as secrets only once the goal is won", () => {
    const raw = smithOdo();
    raw.goals[0] = { ...raw.goals[0]!, reveals: [raw.secrets[0]!] } as (typeof raw.goals)[number];
    const odo = CharacterSchema.parse(raw);
    const begun = startDialogue({
      id: DIALOGUE_ID,
      playerId: 'p',
      character: odo,
      goal: odo.goals[0]!,
      strategy: odo.goals[0]!.strategies[0]!,
      greetingText: 'Hm.',
      options: [],
      ctx: ctx(T0),
    }).state;
    expect(characterBrief(odo, begun).allowedSecrets).toBeUndefined();
    const won = { ...begun, game: { ...begun.game!, goalAchievedAt: 3 } };
    expect(characterBrief(odo, won).allowedSecrets).toEqual(odo.secrets);
    expect(characterBrief(odo, { ...won, goalId: 'learn-debt' }).allowedSecrets).toBeUndefined();
  });
});
