import Sentiment from 'sentiment';
import type { Offense } from './dialogue';

/**
 * What the words of a player's line say, whatever strategy label came with them. Sentiment is the
 * AFINN-165 word list through the `sentiment` package (pure, no I/O): a score per word from -5 to 5,
 * summed. The rest is structure: questions, names, the second person.
 */
const analyzer = new Sentiment();

const SECOND_PERSON = new Set(['you', 'your', 'yours', 'yourself', "you're", 'youre', 'ye', 'thee', 'thou']);

export type LineReading = {
  /** AFINN sum over the words (negative: hostile or gloomy words). */
  score: number;
  /** The words that scored, as the library found them. */
  positiveWords: string[];
  negativeWords: string[];
  /** Hostile on the whole (AFINN sum <= -2) with a hostile word aimed at the listener ("you are a fool"), or strongly hostile (sum <= -4). */
  insult: boolean;
  /** The line is a threat: sent as intimidation, and not friendly words. */
  threat: boolean;
  /** The line is a lie as the player declared it (deceive). */
  lie: boolean;
  question: boolean;
  /** The listener is named (first name or full name). */
  mentionsName: boolean;
  /** Words of the goal's description appear (e.g. "watchtower", "map"). */
  mentionsGoal: boolean;
  /** Ids of other characters named in the line (from the listener's opinions). */
  mentions: string[];
  /** Whether the words sound like the declared strategy: no insult (except to intimidate), no hostile words to flatter, no friendly ones to intimidate. */
  fitsStrategy: boolean;
};

const tokensOf = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
/** Words long enough to say something about a goal ("watchtower", "lights"), not "the", "what". */
const contentWords = (text: string) => tokensOf(text).filter((w) => w.length >= 5);

/**
 * Reads a line. `listener` is the character spoken to (its name, the ids of the others it has
 * opinions of, the goal's description); `strategyId` is what the player declared.
 */
export function readPlayerLine(
  text: string,
  listener: { name: string; others: readonly string[]; goal: string },
  strategyId: string,
): LineReading {
  const result = analyzer.analyze(text);
  const tokens = new Set(tokensOf(text));
  const insult =
    result.negative.length > 0 &&
    ((result.score <= -2 && aimedAtListener(result.tokens, new Set(result.negative))) || result.score <= -4);
  const threat = strategyId === 'intimidate' && result.score <= 2;
  const nameWords = tokensOf(listener.name).filter((w) => w.length >= 3);
  const goalWords = new Set(contentWords(listener.goal).filter((w) => !nameWords.includes(w)));
  const mentions = listener.others.filter(
    (id) => id !== 'player' && id.split('-').some((part) => part.length >= 3 && tokens.has(part)),
  );
  return {
    score: result.score,
    positiveWords: result.positive,
    negativeWords: result.negative,
    insult,
    threat,
    lie: strategyId === 'deceive',
    question: text.includes('?'),
    mentionsName: nameWords.some((w) => tokens.has(w)),
    mentionsGoal: [...goalWords].some((w) => tokens.has(w)),
    mentions,
    fitsStrategy: fits(strategyId, result.score, insult),
  };
}

/**
 * A hostile word within three words of "you"/"your" ("you are a fool", "what an idiot you are"):
 * aimed at the listener, unlike "I give you my word, I mean the city no harm".
 */
function aimedAtListener(tokens: readonly string[], negative: ReadonlySet<string>): boolean {
  const near = 3;
  return tokens.some(
    (token, i) =>
      negative.has(token) && tokens.slice(Math.max(0, i - near), i + near + 1).some((t) => SECOND_PERSON.has(t)),
  );
}

function fits(strategyId: string, score: number, insult: boolean): boolean {
  if (insult) return strategyId === 'intimidate';
  switch (strategyId) {
    case 'flatter':
      return score >= 0;
    case 'intimidate':
      return score <= 2;
    default:
      return true;
  }
}

/** The offenses a reading shows, for the rules. */
export function offensesOf(reading: LineReading): Offense[] {
  const offenses: Offense[] = [];
  if (reading.insult) offenses.push('insult');
  if (reading.threat) offenses.push('threat');
  if (reading.lie) offenses.push('lie');
  return offenses;
}

/** What a strategy is called in a reason: "flattery", "an argument"... */
export const STRATEGY_NOUNS: Record<string, string> = {
  flatter: 'praise',
  intimidate: 'a threat',
  bribe: 'an offer',
  deceive: 'a story',
  empathize: 'sympathy',
  persuade: 'an argument',
};
