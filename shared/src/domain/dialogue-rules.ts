import {
  DEFAULT_REQUIRES,
  requiresWithDefaults,
  shortName,
  type Character,
  type Goal,
  type Mood,
  type Traits,
} from './character';
import {
  MAX_OPINION_STEP,
  MAX_PROGRESS_STEP,
  REMEMBERED_LINES,
  REMEMBERED_SENTENCES,
  type Appraisal,
  type Changes,
  type DialogueState,
  type GameState,
  type Offense,
} from './dialogue';

/**
 * The rules of a dialogue as a small game, pure and deterministic. The AI (or the offline rules)
 * appraises the player's line; these rules decide what it earns: progress with diminishing returns,
 * patience spent by bad turns, and whether the goal is won, lost, or the character leaves. The
 * reply is written after, knowing the verdict. Every number a designer may tune is here or in the
 * character file; docs/characters.md explains them.
 */
export const RULES = {
  /** A goal counts as reached when all of these hold (a goal's `requires` overrides each). */
  requires: DEFAULT_REQUIRES,
  /** The goal is lost for good when the opinion of the player falls this far below `requires.opinion`. */
  lostMargin: 40,
  /** The character leaves when the opinion of the player falls below this (character's `opinionFloor`). */
  opinionFloor: -60,
  /** Each earlier use of the same strategy divides its gains: gain / (1 + fatigue x uses). */
  strategyFatigue: 0.15,
  /** A line already said in the last remembered lines earns this progress instead of its gains. */
  repeatedLineProgress: -0.03,
  /** Patience each bad turn costs; a turn costs at most `maxCostPerTurn`. */
  patienceCost: { insult: 2, threat: 2, lie: 1, repetition: 1 },
  maxCostPerTurn: 3,
  /** Threats cost patience from characters at least this brave (courage). */
  braveAt: 0.6,
  /** Lies cost patience from characters at least this suspicious (suspicion). */
  suspiciousAt: 0.6,
} as const;

/** What the reply must do: yield the goal, go on talking, refuse for good, or end the dialogue. */
export type TurnVerdict = 'concede' | 'continue' | 'refuse' | 'leave';

/** An unknown trait counts as middling: no character is defined by what its author left out. */
const trait = (traits: Traits, name: string) => traits[name] ?? 0.5;
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const round = (value: number, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

/** The appraised mood, in range: intensity 0..1, valence -1..1, both to three decimals. */
export function boundedMood(appraisal: Pick<Appraisal, 'emotion' | 'intensity' | 'valence'>): Mood {
  return {
    emotion: appraisal.emotion,
    intensity: round(clamp(appraisal.intensity, 0, 1)),
    valence: round(clamp(appraisal.valence, -1, 1)),
  };
}

/**
 * The opinion of the player after a step: to one decimal, within -100..100 and at most
 * MAX_OPINION_STEP from `before`. Clamped after rounding, so an off-grid opinion (e.g. 12.36 from a
 * character file) cannot round past the step.
 */
export function nextOpinion(before: number, step: number): number {
  return clamp(
    round(before + step, 1),
    Math.max(-100, before - MAX_OPINION_STEP),
    Math.min(100, before + MAX_OPINION_STEP),
  );
}

/** Patience from traits unless the character file sets it: 3 + 4 x empathy + 3 x (1 - suspicion), 2..12. */
export function characterPatience(character: Pick<Character, 'traits' | 'patience'>): number {
  if (character.patience !== undefined) return character.patience;
  const { traits } = character;
  return clamp(Math.round(3 + 4 * trait(traits, 'empathy') + 3 * (1 - trait(traits, 'suspicion'))), 2, 12);
}

/** A goal's conditions with the defaults filled in (`RULES.requires`). */
export function goalRequires(goal: Pick<Goal, 'requires'>): ReturnType<typeof requiresWithDefaults> {
  return requiresWithDefaults(goal.requires);
}

/** Below this opinion of the player the goal is lost for good (the talk may go on). */
export function goalLostBelow(goal: Pick<Goal, 'requires'>): number {
  return Math.max(-100, goalRequires(goal).opinion - RULES.lostMargin);
}

export function opinionFloorOf(character: Pick<Character, 'opinionFloor'>): number {
  return character.opinionFloor ?? RULES.opinionFloor;
}

/**
 * How well a strategy suits a character, 0..1, from the traits it plays on: flattery on vanity,
 * threats on a lack of courage, bribes on greed over honesty, lies on a lack of honesty and
 * suspicion, sympathy on empathy, arguments on honesty over suspicion. Unknown strategies: 0.5.
 */
export function strategyFit(strategyId: string, traits: Traits): number {
  const t = (name: string) => trait(traits, name);
  switch (strategyId) {
    case 'flatter':
      return t('vanity');
    case 'intimidate':
      return 1 - t('courage');
    case 'bribe':
      return (t('greed') + 1 - t('honesty')) / 2;
    case 'deceive':
      return 1 - (t('honesty') + t('suspicion')) / 2;
    case 'empathize':
      return t('empathy');
    case 'persuade':
      return (t('honesty') + 1 - t('suspicion')) / 2;
    default:
      return 0.5;
  }
}

/** Case, spacing and punctuation do not make a line new. */
function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** FNV-1a, 32 bits, hex: a short stable fingerprint of a line (not a security hash). */
export function lineHash(text: string): string {
  let h = 2166136261;
  for (const char of normalize(text)) h = Math.imul(h ^ char.codePointAt(0)!, 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** A text's sentences (stage directions in *asterisks* count as one), for the no-repeat rule. */
export function sentencesOf(text: string): string[] {
  return (text.match(/\*[^*]+\*|[^.!?*]+[.!?]*/g) ?? []).map((s) => s.trim()).filter((s) => normalize(s).length > 0);
}

export function sentenceHashes(text: string): string[] {
  return sentencesOf(text).map(lineHash);
}

/** The rules' memory at the start of a dialogue. */
export function initialGame(character: Pick<Character, 'traits' | 'patience'>): GameState {
  const patience = characterPatience(character);
  return { patience, patienceMax: patience, strategies: {}, playerLines: [], characterSentences: [] };
}

/**
 * The rules' memory of a dialogue. A dialogue started before the rules existed has none: it gets a
 * fresh one, counting the goal as reached if its progress already met the goal's conditions.
 */
export function gameOf(
  state: Pick<DialogueState, 'game' | 'goalProgress' | 'turnCount'>,
  character: Character,
  goal: Goal,
): GameState {
  if (state.game) return state.game;
  const game = initialGame(character);
  if (state.turnCount > 0 && state.goalProgress >= goalRequires(goal).progress) game.goalAchievedAt = state.turnCount;
  return game;
}

/** Remembers the character's reply so later replies can avoid its sentences. */
export function rememberReply(game: GameState, replyText: string): GameState {
  return {
    ...game,
    characterSentences: [...game.characterSentences, ...sentenceHashes(replyText)].slice(-REMEMBERED_SENTENCES),
  };
}

export type RulesInput = {
  state: DialogueState;
  character: Character;
  goal: Goal;
  strategyId: string;
  playerText: string;
  /** The appraiser's view of the line (any provider); bounded here whatever it says. */
  appraisal: Appraisal;
  /** Offenses the words themselves show (see `readPlayerLine`), added to the appraiser's. */
  offensesHeard?: readonly Offense[];
};

export type RulesDecision = {
  verdict: TurnVerdict;
  /** The turn's bounded changes with patience, the goal flags and every reason. */
  changes: Changes;
  /** The rules' memory after the turn (the reply's sentences are added by `rememberReply`). */
  game: GameState;
  offenses: Offense[];
};

const ORDINAL = ['first', 'second', 'third'];
const nth = (n: number) => ORDINAL[n - 1] ?? `${n}th`;

/**
 * One turn's rules. Steps, in order:
 * 1. the appraisal's deltas are clamped to the per-turn bounds (opinion +-15, progress +-0.3);
 * 2. gains (never losses) shrink with each earlier use of the strategy (`strategyFatigue`) and grow
 *    with how well it fits the traits (x 0.5 .. 1.5); a line said in the last 10 earns
 *    `repeatedLineProgress` and no opinion; an insult earns no progress;
 * 3. offenses and repetition spend patience (`patienceCost`, at most `maxCostPerTurn` a turn);
 * 4. the character leaves when patience is spent or the opinion falls below the floor; otherwise the
 *    goal is reached when `requires` holds, or lost when the opinion falls below `goalLostBelow`.
 *    Reached and lost are sticky and exclusive; leaving before reaching loses the goal.
 */
export function decideTurn(input: RulesInput): RulesDecision {
  const { state, character, goal, appraisal } = input;
  const name = shortName(character.name);
  const game = gameOf(state, character, goal);
  const seq = state.turnCount + 1;
  const reasons = [...appraisal.reasons];
  const offenses = [...new Set([...(appraisal.offenses ?? []), ...(input.offensesHeard ?? [])])].sort();

  const hash = lineHash(input.playerText);
  const repeated = game.playerLines.includes(hash);
  const tally = game.strategies[input.strategyId] ?? { turns: 0, progress: 0, opinion: 0 };
  const fatigue = 1 / (1 + RULES.strategyFatigue * tally.turns);
  const fit = strategyFit(input.strategyId, character.traits);

  let progressStep = clamp(appraisal.goalProgressDelta, -MAX_PROGRESS_STEP, MAX_PROGRESS_STEP);
  let opinionStep = clamp(appraisal.opinionDelta, -MAX_OPINION_STEP, MAX_OPINION_STEP);
  if (progressStep > 0) progressStep *= fatigue * (0.5 + fit);
  if (opinionStep > 0) opinionStep *= fatigue;
  if (tally.turns >= 2 && appraisal.goalProgressDelta > 0)
    reasons.push(`${input.strategyId}, used for the ${nth(tally.turns + 1)} time, earns less`);
  if (repeated) {
    progressStep = Math.min(progressStep, 0) + RULES.repeatedLineProgress;
    opinionStep = Math.min(opinionStep, 0);
    reasons.push(`${name} has heard that line already: it earns nothing and tries ${name}'s patience`);
  }
  if (offenses.includes('insult')) progressStep = Math.min(progressStep, 0);
  progressStep = clamp(progressStep, -MAX_PROGRESS_STEP, MAX_PROGRESS_STEP);

  const courage = trait(character.traits, 'courage');
  const suspicion = trait(character.traits, 'suspicion');
  let cost = 0;
  if (offenses.includes('insult')) cost += RULES.patienceCost.insult;
  if (offenses.includes('threat') && courage >= RULES.braveAt) {
    cost += RULES.patienceCost.threat;
    reasons.push(`${name} is too brave to be threatened and loses patience`);
  }
  if (offenses.includes('lie') && suspicion >= RULES.suspiciousAt) {
    cost += RULES.patienceCost.lie;
    reasons.push(`${name} is suspicious of the story and loses patience`);
  }
  if (repeated) cost += RULES.patienceCost.repetition;
  cost = Math.min(cost, RULES.maxCostPerTurn);

  const moodBefore = state.participants.character.mood;
  const moodAfter = boundedMood(appraisal);
  const opinionBefore = state.participants.character.opinions.player ?? 0;
  const opinionAfter = nextOpinion(opinionBefore, opinionStep);
  const progressBefore = state.goalProgress;
  const progressAfter = round(clamp(progressBefore + progressStep, 0, 1));
  const patienceBefore = game.patience;
  const patienceAfter = Math.max(0, patienceBefore - cost);

  const requires = goalRequires(goal);
  const wasAchieved = game.goalAchievedAt !== undefined;
  const wasLost = game.goalLostAt !== undefined;
  const floor = opinionFloorOf(character);
  const leaves = patienceAfter === 0 || opinionAfter < floor;
  const meets =
    progressAfter >= requires.progress && opinionAfter >= requires.opinion && moodAfter.valence >= requires.valence;
  const achievedNow = !wasAchieved && !wasLost && !leaves && meets;
  const lostNow = !wasAchieved && !wasLost && !achievedNow && (leaves || opinionAfter < goalLostBelow(goal));

  if (cost > 0) reasons.push(`${name}'s patience: ${patienceAfter} of ${game.patienceMax} left`);
  if (leaves) {
    reasons.push(
      patienceAfter === 0
        ? `${name} has run out of patience and ends the conversation`
        : `${name} thinks too little of the player to go on talking`,
    );
  } else if (achievedNow) {
    reasons.push(`goal reached: ${goal.successHint}`);
  } else if (lostNow) {
    reasons.push(`${name} will not help the player with this any more`);
  } else if (!wasAchieved && !wasLost && progressAfter >= requires.progress) {
    // Close but not there: say which condition is missing, so a designer can see why.
    if (opinionAfter < requires.opinion)
      reasons.push(`${name} would need to like the player more (opinion ${requires.opinion})`);
    else reasons.push(`${name} is in no mood to give in yet`);
  }

  const appliedProgress = round(progressAfter - progressBefore);
  const appliedOpinion = round(opinionAfter - opinionBefore, 1);
  const next: GameState = {
    ...game,
    patience: patienceAfter,
    ...(achievedNow ? { goalAchievedAt: seq } : {}),
    ...(lostNow ? { goalLostAt: seq } : {}),
    strategies: {
      ...game.strategies,
      [input.strategyId]: {
        turns: tally.turns + 1,
        progress: round(tally.progress + appliedProgress),
        opinion: round(tally.opinion + appliedOpinion, 1),
      },
    },
    playerLines: [...game.playerLines, hash].slice(-REMEMBERED_LINES),
  };
  const changes: Changes = {
    mood: { before: moodBefore, after: moodAfter },
    opinion: { before: opinionBefore, after: opinionAfter, delta: appliedOpinion },
    goalProgress: { before: progressBefore, after: progressAfter, delta: appliedProgress },
    patience: { before: patienceBefore, after: patienceAfter, delta: patienceAfter - patienceBefore },
    ...(achievedNow ? { goalAchieved: true as const } : {}),
    ...(lostNow ? { goalLost: true as const } : {}),
    ...(leaves ? { characterLeft: true as const } : {}),
    reasons,
  };
  const verdict: TurnVerdict = leaves ? 'leave' : achievedNow ? 'concede' : lostNow ? 'refuse' : 'continue';
  return { verdict, changes, game: next, offenses };
}
