import type { AiTaskInput } from './ai-tasks';
import { shortName, type Traits } from './character';
import type { Appraisal } from './dialogue';
import { STRATEGY_NOUNS, offensesOf, readPlayerLine } from './player-line';

export type AppraiseInput = AiTaskInput<'dialogue.appraise'>;

/** What a strategy does to a character, before the current mood is blended in. */
export type StrategyEffect = {
  opinionDelta: number;
  goalProgressDelta: number;
  emotion: string;
  /** Why, in words, naming the traits that decided it. */
  reasons: string[];
};

/** An unknown trait counts as middling: no character is defined by what its author left out. */
const trait = (traits: Traits, name: string) => traits[name] ?? 0.5;
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;
const level = (value: number) => (value >= 0.65 ? 'high' : value <= 0.35 ? 'low' : 'moderate');

/**
 * The heart of the offline model: strategy x traits. Deltas stay within the per-turn bounds the
 * transitions enforce anyway (opinion +-15, progress +-0.3), so the rules never rely on clamping.
 */
export function strategyEffect(strategyId: string, traits: Traits, name: string): StrategyEffect {
  const vanity = trait(traits, 'vanity');
  const courage = trait(traits, 'courage');
  const honesty = trait(traits, 'honesty');
  const greed = trait(traits, 'greed');
  const empathy = trait(traits, 'empathy');
  const suspicion = trait(traits, 'suspicion');

  switch (strategyId) {
    case 'flatter': {
      const opinionDelta = (vanity - 0.45) * 30 - suspicion * 3;
      return {
        opinionDelta,
        goalProgressDelta: (vanity - 0.4) * 0.35,
        emotion: opinionDelta > 0 ? 'pleased' : 'annoyed',
        reasons: [
          opinionDelta > 0
            ? `${name} enjoys the praise (${level(vanity)} vanity)`
            : `${name} sees through the flattery and dislikes it (${level(vanity)} vanity)`,
        ],
      };
    }
    case 'intimidate': {
      const goalProgressDelta = (0.5 - courage) * 0.4;
      return {
        opinionDelta: -(4 + courage * 11),
        goalProgressDelta,
        emotion: courage >= 0.5 ? 'angry' : 'afraid',
        reasons: [
          courage >= 0.5
            ? `${name} will not be threatened and resents the attempt (${level(courage)} courage)`
            : `${name} gives ground out of fear, but resents it (${level(courage)} courage)`,
        ],
      };
    }
    case 'bribe': {
      const goalProgressDelta = (greed - 0.3) * 0.45 - honesty * 0.08;
      return {
        opinionDelta: (greed - honesty) * 15,
        goalProgressDelta,
        emotion: goalProgressDelta > 0 ? 'interested' : 'offended',
        reasons: [
          goalProgressDelta > 0
            ? `${name} is tempted by the money (${level(greed)} greed)`
            : `${name} is insulted by the offer (${level(honesty)} honesty, ${level(greed)} greed)`,
        ],
      };
    }
    case 'deceive': {
      // Honest people notice lies, suspicious people look for them.
      const caught = (honesty + suspicion) / 2;
      const opinionDelta = (0.35 - caught) * 30;
      return {
        opinionDelta,
        goalProgressDelta: (0.4 - caught) * 0.4,
        emotion: opinionDelta < 0 ? 'suspicious' : 'trusting',
        reasons: [
          opinionDelta < 0
            ? `${name} suspects a lie and trusts the player less (${level(honesty)} honesty, ${level(suspicion)} suspicion)`
            : `${name} believes the story (${level(suspicion)} suspicion)`,
        ],
      };
    }
    case 'empathize': {
      return {
        opinionDelta: empathy * 14 - 2,
        goalProgressDelta: empathy * 0.2,
        emotion: empathy >= 0.5 ? 'touched' : 'guarded',
        reasons: [
          empathy >= 0.5
            ? `${name} feels understood (${level(empathy)} empathy)`
            : `${name} is unmoved by the sympathy (${level(empathy)} empathy)`,
        ],
      };
    }
    case 'persuade': {
      return {
        opinionDelta: 1 + honesty * 4,
        goalProgressDelta: 0.05 + honesty * 0.12 - suspicion * 0.03,
        emotion: 'thoughtful',
        reasons: [`${name} weighs the argument on its merits (${level(honesty)} honesty)`],
      };
    }
    default:
      return {
        opinionDelta: 0,
        goalProgressDelta: 0.02,
        emotion: 'curious',
        reasons: [`${name} is not sure what to make of the approach "${strategyId}"`],
      };
  }
}

/** A character's name for another character's id: "captain-bram" -> "Bram". */
export function nameFromId(id: string): string {
  const last = id.split('-').pop() ?? id;
  return last.charAt(0).toUpperCase() + last.slice(1);
}

/**
 * The rule-based appraisal: what the offline provider answers, and what the gateway falls back to
 * when a model's structured output is unusable. It listens to the words, not only the strategy
 * label: an insult is an insult whatever it was sent as, words that do not sound like the declared
 * strategy earn little, warm or hostile words (AFINN sentiment) move the opinion, a question or the
 * character's name is noticed, and naming another character brings in what this one thinks of them.
 * Deterministic; the seed is not used.
 */
export function ruleBasedAppraisal(input: AppraiseInput): Appraisal {
  const { character } = input;
  const name = shortName(character.name);
  const reading = readPlayerLine(
    input.playerText,
    { name: character.name, others: Object.keys(character.opinions ?? {}), goal: input.goal.description },
    input.strategy.id,
  );
  const effect = strategyEffect(input.strategy.id, character.traits, name);
  const noun = STRATEGY_NOUNS[input.strategy.id] ?? `"${input.strategy.id}"`;
  let opinionDelta = effect.opinionDelta;
  let goalProgressDelta = effect.goalProgressDelta;
  let emotion = effect.emotion;
  let reasons = [...effect.reasons];
  if (reading.insult && input.strategy.id !== 'intimidate') {
    const courage = character.traits.courage ?? 0.5;
    opinionDelta = -(6 + 6 * courage);
    goalProgressDelta = -0.05;
    emotion = courage >= 0.5 ? 'angry' : 'hurt';
    const words = reading.negativeWords
      .slice(0, 3)
      .map((w) => `"${w}"`)
      .join(', ');
    reasons = [`${name} hears an insult, not ${noun} (${words})`];
  } else if (!reading.fitsStrategy) {
    opinionDelta = Math.min(opinionDelta, 0) - 2;
    goalProgressDelta = Math.min(goalProgressDelta * 0.25, goalProgressDelta);
    emotion = 'puzzled';
    reasons = [`the words do not sound like ${noun} to ${name}`];
  } else {
    // Warm words help and hostile ones hurt, a little, whatever the approach.
    const warmth = clamp(reading.score, -4, 4);
    if (warmth !== 0) {
      opinionDelta += warmth * 0.75;
      if (warmth > 0 && goalProgressDelta > 0) goalProgressDelta += warmth * 0.005;
      reasons.push(
        `${name} hears ${warmth > 0 ? 'warm' : 'hard'} words (${[...reading.positiveWords, ...reading.negativeWords].slice(0, 3).join(', ')})`,
      );
    }
  }
  if (!reading.insult) {
    if (reading.question && (character.traits.empathy ?? 0.5) >= 0.5) {
      opinionDelta += 1;
      reasons.push(`${name} likes being asked`);
    }
    if (reading.mentionsName) opinionDelta += 0.5;
  }
  for (const other of reading.mentions.slice(0, 2)) {
    const opinion = character.opinions?.[other] ?? 0;
    if (Math.abs(opinion) < 15) continue;
    opinionDelta += opinion > 0 ? 2 : -2;
    reasons.push(`${name} ${opinion > 0 ? 'is fond of' : 'thinks little of'} ${nameFromId(other)}`);
  }
  opinionDelta = round(clamp(opinionDelta, -15, 15), 1);
  goalProgressDelta = round(clamp(goalProgressDelta, -0.3, 0.3), 3);
  // The mood drifts toward the reaction rather than jumping to it.
  const reaction = clamp(opinionDelta / 12, -1, 1);
  const valence = round(clamp(character.mood.valence * 0.5 + reaction * 0.6, -1, 1), 3);
  const intensity = round(clamp(0.25 + Math.abs(opinionDelta) / 20 + character.mood.intensity * 0.2, 0, 1), 3);
  if (goalProgressDelta > 0.05) reasons.push('the player gains ground on the goal');
  else if (goalProgressDelta < -0.05) reasons.push('the player loses ground on the goal');
  return {
    emotion,
    intensity,
    valence,
    opinionDelta,
    goalProgressDelta,
    reasons: reasons.slice(0, 5).map((r) => r.slice(0, 300)),
    offenses: offensesOf(reading),
  };
}
