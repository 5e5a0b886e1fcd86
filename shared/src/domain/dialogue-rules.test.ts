import { smithOdo } from '../../../test/support/smith-odo';
import { CharacterSchema, type Character } from './character';
import { AppraisalSchema, GameStateSchema, type Appraisal, type DialogueState, type GameState } from './dialogue';
import {
  RULES,
  characterPatience,
  decideTurn,
  gameOf,
  goalLostBelow,
  goalRequires,
  initialGame,
  lineHash,
  rememberReply,
  sentencesOf,
  strategyFit,
} from './dialogue-rules';
import { chooseGoalAndStrategy, startDialogue } from './transitions';

const character = (overrides: Record<string, unknown> = {}): Character =>
  CharacterSchema.parse({ ...smithOdo(), ...overrides });
const T0 = new Date('2030-05-01T10:00:00.000Z');

function started(c: Character = character()): DialogueState {
  const { goal, strategy } = chooseGoalAndStrategy(c, 'buy-sword');
  return startDialogue({
    id: '3f1c2b7e-8a4d-4c1e-9b2a-5d6e7f809a1b',
    playerId: 'p',
    character: c,
    goal,
    strategy,
    greetingText: c.greeting,
    options: [],
    ctx: { source: '/t', now: T0 },
  }).state;
}

const appraisal = (overrides: Partial<Appraisal> = {}): Appraisal =>
  AppraisalSchema.parse({
    emotion: 'pleased',
    intensity: 0.5,
    valence: 0.3,
    opinionDelta: 5,
    goalProgressDelta: 0.1,
    reasons: ['fair words'],
    ...overrides,
  });

/** Plays turns through the rules alone (no reply), returning every decision. */
function play(
  c: Character,
  turns: Array<{ text: string; strategyId?: string; appraisal?: Partial<Appraisal> }>,
  state = started(c),
) {
  const goal = c.goals.find((g) => g.id === state.goalId)!;
  const decisions = [];
  for (const turn of turns) {
    const d = decideTurn({
      state,
      character: c,
      goal,
      strategyId: turn.strategyId ?? 'persuade',
      playerText: turn.text,
      appraisal: appraisal(turn.appraisal),
    });
    decisions.push(d);
    state = {
      ...state,
      turnCount: state.turnCount + 1,
      goalProgress: d.changes.goalProgress.after,
      game: d.game,
      participants: {
        ...state.participants,
        character: {
          ...state.participants.character,
          mood: d.changes.mood.after,
          opinions: { ...state.participants.character.opinions, player: d.changes.opinion.after },
        },
      },
    };
  }
  return { decisions, state, last: decisions[decisions.length - 1]! };
}

describe('characterPatience', () => {
  it.each<{ traits: Record<string, number>; patience: number | undefined; expected: number }>([
    { traits: {}, patience: undefined, expected: 7 },
    { traits: { empathy: 1, suspicion: 0 }, patience: undefined, expected: 10 },
    { traits: { empathy: 0, suspicion: 1 }, patience: undefined, expected: 3 },
    { traits: { empathy: 0.4, suspicion: 0.7 }, patience: undefined, expected: 6 },
    { traits: { empathy: 0, suspicion: 1 }, patience: 15, expected: 15 },
  ])('traits $traits, file $patience -> $expected', ({ traits, patience, expected }) => {
    expect(characterPatience({ traits, patience })).toBe(expected);
  });
});

describe('goalRequires and goalLostBelow', () => {
  it.each([
    { requires: undefined, expected: { progress: 0.7, opinion: 0, valence: -0.3 }, lost: -40 },
    { requires: { opinion: 10 }, expected: { progress: 0.7, opinion: 10, valence: -0.3 }, lost: -30 },
    { requires: { progress: 0.5, opinion: -80 }, expected: { progress: 0.5, opinion: -80, valence: -0.3 }, lost: -100 },
  ])('$requires', ({ requires, expected, lost }) => {
    const goal = requires ? { requires } : {};
    expect(goalRequires(goal)).toEqual(expected);
    expect(goalLostBelow(goal)).toBe(lost);
  });
});

describe('strategyFit', () => {
  it.each([
    ['flatter', { vanity: 0.9 }, 0.9],
    ['intimidate', { courage: 0.9 }, 0.1],
    ['bribe', { greed: 1, honesty: 0 }, 1],
    ['deceive', { honesty: 1, suspicion: 1 }, 0],
    ['empathize', { empathy: 0.3 }, 0.3],
    ['persuade', { honesty: 1, suspicion: 0 }, 1],
    ['dance', { vanity: 1 }, 0.5],
  ])('%s with %j -> %d', (strategy, traits, fit) => {
    expect(strategyFit(strategy, traits)).toBeCloseTo(fit);
  });
});

describe('lineHash and sentences', () => {
  it('ignores case, spacing and punctuation, and nothing else', () => {
    expect(lineHash('Your stew is  the best!')).toBe(lineHash('your stew is the best'));
    expect(lineHash('Your stew is the best')).not.toBe(lineHash('Your stew is the worst'));
    expect(lineHash('x')).toMatch(/^[0-9a-f]{8}$/);
  });

  it('splits a reply into sentences, a stage direction being one', () => {
    expect(sentencesOf('*Mara smiles.* Fine. Is that all? Go!')).toEqual([
      '*Mara smiles.*',
      'Fine.',
      'Is that all?',
      'Go!',
    ]);
  });

  it('remembers a bounded number of sentences', () => {
    let game = initialGame(character());
    for (let i = 0; i < 40; i++) game = rememberReply(game, `Line ${i} one. Line ${i} two.`);
    expect(() => GameStateSchema.parse(game)).not.toThrow();
    expect(game.characterSentences).toHaveLength(60);
    expect(game.characterSentences).toContain(lineHash('Line 39 two.'));
  });
});

describe('decideTurn', () => {
  it('a varied, well-received player reaches the goal; the win is flagged once and sticks', () => {
    const c = character();
    const lines = Array.from({ length: 12 }, (_, i) => ({
      text: `A fair argument, number ${i}.`,
      appraisal: { goalProgressDelta: 0.15 },
    }));
    const { decisions } = play(c, lines);
    const wins = decisions.filter((d) => d.changes.goalAchieved);
    expect(wins).toHaveLength(1);
    expect(wins[0]!.verdict).toBe('concede');
    const at = decisions.indexOf(wins[0]!);
    expect(decisions[at]!.changes.goalProgress.after).toBeGreaterThanOrEqual(0.7);
    expect(decisions[at]!.changes.reasons.join(' ')).toContain(c.goals[0]!.successHint);
    for (const d of decisions.slice(at + 1)) {
      expect(d.verdict).toBe('continue');
      expect(d.game.goalAchievedAt).toBe(at + 1);
    }
  });

  it('a win sticks when progress falls afterwards', () => {
    const c = character();
    const { state } = play(
      c,
      Array.from({ length: 9 }, (_, i) => ({ text: `Line ${i}`, appraisal: { goalProgressDelta: 0.2 } })),
    );
    expect(state.game!.goalAchievedAt).toBeDefined();
    const { last } = play(
      c,
      [{ text: 'Now a bad one', appraisal: { goalProgressDelta: -0.3, opinionDelta: -15 } }],
      state,
    );
    expect(last.changes.goalProgress.after).toBeLessThan(state.goalProgress);
    expect(last.game.goalAchievedAt).toBe(state.game!.goalAchievedAt);
    expect(last.changes.goalAchieved).toBeUndefined();
    expect(last.changes.goalLost).toBeUndefined();
  });

  it('repeating one line earns nothing after the first time and runs out the patience', () => {
    const c = character();
    const { decisions, state } = play(
      c,
      Array.from({ length: 15 }, () => ({ text: 'Fair price for fair steel?', appraisal: { goalProgressDelta: 0.3 } })),
    );
    expect(decisions[0]!.changes.goalProgress.delta).toBeGreaterThan(0);
    for (const d of decisions.slice(1, 4)) expect(d.changes.goalProgress.delta).toBeLessThanOrEqual(0);
    expect(decisions.some((d) => d.changes.goalAchieved)).toBe(false);
    const leaves = decisions.findIndex((d) => d.verdict === 'leave');
    expect(leaves).toBe(characterPatience(c));
    expect(decisions[leaves]!.changes.characterLeft).toBe(true);
    expect(decisions[leaves]!.changes.goalLost).toBe(true);
    expect(state.game!.playerLines.length).toBeLessThanOrEqual(10);
  });

  it('each use of a strategy earns less than the one before, for the same appraisal', () => {
    const { decisions } = play(
      character(),
      Array.from({ length: 4 }, (_, i) => ({ text: `Different line ${i}`, appraisal: { goalProgressDelta: 0.1 } })),
    );
    const deltas = decisions.map((d) => d.changes.goalProgress.delta);
    for (let i = 1; i < deltas.length; i++) expect(deltas[i]).toBeLessThan(deltas[i - 1]!);
    expect(decisions[3]!.game.strategies.persuade).toEqual({
      turns: 4,
      progress: expect.any(Number),
      opinion: expect.any(Number),
    });
  });

  it('a strategy that fits the traits moves more than one that does not', () => {
    const vain = character({ traits: { vanity: 0.9, courage: 0.9 } });
    const [flatter] = play(vain, [{ text: 'Fine work', strategyId: 'flatter' }]).decisions;
    const [intimidate] = play(vain, [{ text: 'Fine work', strategyId: 'intimidate' }]).decisions;
    expect(flatter!.changes.goalProgress.delta).toBeGreaterThan(intimidate!.changes.goalProgress.delta);
  });

  it('progress can fall, and never below 0', () => {
    const { decisions } = play(character(), [
      { text: 'one', appraisal: { goalProgressDelta: 0.1 } },
      { text: 'two', appraisal: { goalProgressDelta: -0.3 } },
    ]);
    expect(decisions[1]!.changes.goalProgress.delta).toBeLessThan(0);
    expect(decisions[1]!.changes.goalProgress.after).toBe(0);
  });

  // Patience: what each offense costs, by the character's traits.
  it.each([
    { name: 'an insult', offenses: ['insult'] as const, traits: {}, cost: RULES.patienceCost.insult },
    {
      name: 'a threat to a brave character',
      offenses: ['threat'] as const,
      traits: { courage: 0.9 },
      cost: RULES.patienceCost.threat,
    },
    { name: 'a threat to a timid character', offenses: ['threat'] as const, traits: { courage: 0.2 }, cost: 0 },
    {
      name: 'a lie to a suspicious character',
      offenses: ['lie'] as const,
      traits: { suspicion: 0.8 },
      cost: RULES.patienceCost.lie,
    },
    { name: 'a lie to a trusting character', offenses: ['lie'] as const, traits: { suspicion: 0.2 }, cost: 0 },
    {
      name: 'an insulting threat to a brave character (capped)',
      offenses: ['insult', 'threat'] as const,
      traits: { courage: 0.9 },
      cost: RULES.maxCostPerTurn,
    },
  ])('$name costs $cost patience', ({ offenses, traits, cost }) => {
    const c = character({ traits, patience: 10 });
    const [d] = play(c, [{ text: 'something', appraisal: { offenses: [...offenses] } }]).decisions;
    expect(d!.changes.patience).toEqual({ before: 10, after: 10 - cost, delta: 0 - cost });
  });

  it('offenses heard in the words count even when the appraiser missed them', () => {
    const c = character({ patience: 5 });
    const goal = c.goals[0]!;
    const d = decideTurn({
      state: started(c),
      character: c,
      goal,
      strategyId: 'persuade',
      playerText: 'You fool.',
      appraisal: appraisal(),
      offensesHeard: ['insult'],
    });
    expect(d.offenses).toEqual(['insult']);
    expect(d.changes.patience!.after).toBe(3);
    expect(d.changes.goalProgress.delta).toBeLessThanOrEqual(0);
  });

  it('insults show a brave character the door once patience is spent', () => {
    const c = character({ traits: { courage: 0.9, empathy: 0.4, suspicion: 0.7 } });
    const { decisions } = play(
      c,
      Array.from({ length: 8 }, (_, i) => ({
        text: `insult ${i}`,
        appraisal: { offenses: ['insult'], opinionDelta: -10 },
      })),
    );
    const leaves = decisions.findIndex((d) => d.verdict === 'leave');
    expect(leaves).toBeGreaterThanOrEqual(0);
    expect(leaves).toBeLessThan(8);
    expect(decisions[leaves]!.changes.reasons.join(' ')).toMatch(/run out of patience/);
  });

  it('the character leaves when the opinion falls below the floor', () => {
    const c = character({ opinionFloor: -5, patience: 20 });
    const { decisions } = play(
      c,
      Array.from({ length: 4 }, (_, i) => ({ text: `x ${i}`, appraisal: { opinionDelta: -15 } })),
    );
    expect(decisions.findIndex((d) => d.verdict === 'leave')).toBe(1);
  });

  it('the goal is lost for good when the opinion falls below the limit, and talk goes on', () => {
    const c = character({ patience: 20, opinionFloor: -100 });
    const { decisions } = play(c, [
      ...Array.from({ length: 5 }, (_, i) => ({ text: `bad ${i}`, appraisal: { opinionDelta: -15 } })),
      ...Array.from({ length: 8 }, (_, i) => ({
        text: `good ${i}`,
        appraisal: { opinionDelta: 15, goalProgressDelta: 0.3 },
      })),
    ]);
    const lost = decisions.filter((d) => d.changes.goalLost);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.verdict).toBe('refuse');
    expect(decisions.some((d) => d.changes.goalAchieved)).toBe(false);
    expect(decisions.every((d) => d.verdict !== 'leave')).toBe(true);
  });

  it("reaching the progress is not enough while the opinion is below the goal's requirement", () => {
    const c = character({ opinions: { player: -20 } });
    c.goals[0]!.requires = { opinion: 10 };
    const { decisions } = play(c, [
      { text: 'a', appraisal: { goalProgressDelta: 0.3, opinionDelta: 0 } },
      { text: 'b', appraisal: { goalProgressDelta: 0.3, opinionDelta: 0 } },
      { text: 'c', appraisal: { goalProgressDelta: 0.3, opinionDelta: 0 } },
      { text: 'd', appraisal: { goalProgressDelta: 0.3, opinionDelta: 0 } },
    ]);
    expect(decisions[3]!.changes.goalProgress.after).toBeGreaterThanOrEqual(0.7);
    expect(decisions.some((d) => d.changes.goalAchieved)).toBe(false);
    expect(decisions[3]!.changes.reasons.join(' ')).toMatch(/like the player more \(opinion 10\)/);
  });

  it('bounds any appraisal: opinion +-15 and progress +-0.3 a turn', () => {
    const [d] = play(character({ opinions: { player: 0 } }), [
      { text: 'a', appraisal: { opinionDelta: 100, goalProgressDelta: 1 } },
    ]).decisions;
    expect(d!.changes.opinion.delta).toBeLessThanOrEqual(15);
    expect(d!.changes.goalProgress.delta).toBeLessThanOrEqual(0.3);
  });
});

describe('gameOf', () => {
  it('gives a dialogue from before the rules a fresh memory, counting a goal already met', () => {
    const c = character();
    const { game: _game, ...old } = started(c);
    const met = gameOf({ ...old, goalProgress: 0.8, turnCount: 4 }, c, c.goals[0]!);
    expect(met.goalAchievedAt).toBe(4);
    expect(gameOf({ ...old, goalProgress: 0.2, turnCount: 4 }, c, c.goals[0]!).goalAchievedAt).toBeUndefined();
    const game: GameState = GameStateSchema.parse(met);
    expect(game.patience).toBe(characterPatience(c));
  });
});
