import type { AiTaskInput, AiTaskOutput } from './ai-tasks';
import type { Mood, Strategy } from './character';
import type { Turn } from './dialogue';
import { strategyEffect } from './rule-appraisal';

/**
 * The offline provider's words: seeded, so the same seed and input always give the same text, and
 * shaped by the character's name, traits, mood and the strategy the player used.
 */

/** mulberry32: a tiny seeded PRNG, good enough for picking lines. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable seed from text, for tasks whose input carries none. */
export function seedFromText(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) % 2 ** 31;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] ?? items[0]!;
}

const firstName = (name: string) => {
  const parts = name.split(/\s+/);
  // "Captain Bram Holloway" -> "Bram": skip a leading title when there is more than one word after it.
  return (parts.length >= 3 ? parts[1] : parts[0]) ?? name;
};
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
const fill = (template: string, vars: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');

type Reactions = { warm: readonly string[]; cold: readonly string[] };

const REACTIONS: Record<string, Reactions> = {
  flatter: {
    warm: [
      'Well now, you have a fine eye, I will grant you that.',
      'Ha! Keep talking like that and we might get along.',
      'It is not often someone notices. Go on.',
    ],
    cold: [
      'Save the honey for someone who likes it. I do not.',
      'Pretty words. I have heard prettier from worse people.',
      'Flattery? Is that really the best you have?',
    ],
  },
  intimidate: {
    warm: [
      'All right, all right. There is no need for that.',
      'I... I do not want any trouble. Just tell me what you need.',
      'Fine. You have made your point. Keep your voice down.',
    ],
    cold: [
      'Threaten me again and see where it gets you.',
      'I have faced worse than you and I am still standing.',
      'You mistake me for someone who scares easily.',
    ],
  },
  bribe: {
    warm: [
      'Coin has a way of making a long night shorter.',
      'Now that is a language I understand. Quietly, though.',
      'Hm. That purse does change the shape of things.',
    ],
    cold: [
      'Put that away before someone sees it. I am not for sale.',
      'You think silver buys everything? Not here.',
      'Keep your money. It insults us both.',
    ],
  },
  deceive: {
    warm: [
      'Is that so? Well, if that is how it is...',
      'Hm. I suppose that makes sense.',
      'If you say so, I will take you at your word.',
    ],
    cold: [
      'That is a lie, and not even a good one.',
      'Your story has more holes than a fishing net.',
      'Do you take me for a fool? Try the truth.',
    ],
  },
  empathize: {
    warm: [
      'It is... good to hear someone say that. Thank you.',
      'You understand more than most who pass through here.',
      'Few people ask. I will not forget that you did.',
    ],
    cold: [
      'I do not need your pity.',
      'Spare me the kind words and get to the point.',
      'Sympathy is cheap. What do you actually want?',
    ],
  },
  persuade: {
    warm: [
      'That is a fair argument. I will think on it.',
      'You make a reasonable case, I will give you that.',
      'Hm. There is sense in what you say.',
    ],
    cold: [
      'Reasons are easy to find. Convince me they are good ones.',
      'I have heard that argument before. It did not move me then either.',
      'That is not enough. Not yet.',
    ],
  },
};
const GENERIC_REACTIONS: Reactions = {
  warm: ['Interesting. Go on.', 'I am listening.', 'Maybe. Tell me more.'],
  cold: ['I am not sure what you are after.', 'That does not move me.', 'Is that all?'],
};

const WARM_BEATS = ['nods slowly', 'lets out a short laugh', 'leans in a little', 'relaxes a fraction'];
const COLD_BEATS = ['narrows their eyes', 'crosses their arms', 'shakes their head', 'steps back'];

type Choose = (lines: readonly string[]) => string;

/**
 * A reply's picks avoid the lines this character already said in the recent turns, so a player who
 * flatters twice does not hear the same sentence twice; when every line was used, any will do.
 */
function freshChooser(random: () => number, history: readonly Turn[]): Choose {
  const spoken = history
    .filter((turn) => turn.speaker === 'character')
    .map((turn) => turn.text)
    .join('\n');
  return (lines) => {
    const fresh = lines.filter((line) => !spoken.includes(line));
    return pick(random, fresh.length > 0 ? fresh : lines);
  };
}

function moodLine(choose: Choose, mood: Mood): string {
  if (mood.valence <= -0.3) return choose(['I am in no mood for games tonight.', 'Do not push your luck.', 'My patience is thin as it is.']);
  if (mood.valence >= 0.3) return choose(['It has been a decent day, all things considered.', 'You catch me in a good mood.', 'I am glad of the company, truth be told.']);
  return choose(['Well?', 'Say what you came to say.', 'We will see.']);
}

function progressLine(choose: Choose, goalProgress: number, goal: string): string {
  if (goalProgress >= 0.7) return choose([`About your wish to ${goal}: I think we can come to an arrangement.`, 'You are close to getting what you want.']);
  if (goalProgress >= 0.35) return choose([`You want to ${goal}. I have not said no.`, 'Maybe there is a way. Maybe.']);
  return choose([`If you want to ${goal}, you will have to do better.`, 'You are a long way from what you want.']);
}

/** The character's line: the opening greeting when there is no player text, else a reply. */
export function scriptedReply(input: AiTaskInput<'dialogue.reply'>): string {
  const random = mulberry32(input.seed);
  const choose = freshChooser(random, input.history);
  const { character } = input;
  const first = firstName(character.name);
  const goal = lowerFirst(input.goal.description);
  if (input.playerText === undefined) {
    return `${character.greeting} ${moodLine(choose, character.mood)}`;
  }
  const effect = strategyEffect(input.strategy.id, character.traits, character.name);
  const warm = effect.opinionDelta + effect.goalProgressDelta * 40 > 0;
  const reactions = REACTIONS[input.strategy.id] ?? GENERIC_REACTIONS;
  const beat = choose(warm ? WARM_BEATS : COLD_BEATS);
  const sentences = [`*${first} ${beat}, looking ${effect.emotion}.*`, choose(warm ? reactions.warm : reactions.cold)];
  if ((character.traits.suspicion ?? 0) >= 0.65 && random() < 0.6) sentences.push('And do not think I cannot see what you are doing.');
  sentences.push(moodLine(choose, character.mood));
  sentences.push(progressLine(choose, input.goalProgress + (warm ? 0.1 : 0), goal));
  return sentences.join(' ');
}

const OPTION_LINES: Record<string, readonly string[]> = {
  flatter: ['They say nobody keeps a finer house than you, {first}.', 'I have heard your name spoken with great respect, {first}.', 'Someone of your talents deserves better than this, {first}.'],
  intimidate: ['You know who I work for. Think carefully, {first}.', 'I would hate for this to become a problem for you.', 'Help me, or answer to people less patient than I am.'],
  bribe: ['Perhaps this purse can help you decide, {first}.', 'I can make it worth your while.', 'Name your price. I am sure we can agree.'],
  deceive: ['I was sent here on official business, {first}.', 'Trust me, everyone has already agreed to this.', 'It is all arranged. I only need your word.'],
  empathize: ['That sounds heavy to carry alone, {first}. I am listening.', 'I understand. I have been afraid of the same things.', 'You have done more than anyone asks. How are you holding up?'],
  persuade: ['Hear me out: it is better for both of us if I {goal}.', 'Think it through, {first}. Helping me helps you.', 'Here is why it matters: I need to {goal}, and soon.'],
};

/** One option per valid strategy (up to `count`): the options fallback and the offline answer. */
export function scriptedOptions(input: AiTaskInput<'dialogue.options'>): AiTaskOutput<'dialogue.options'> {
  const random = mulberry32(input.seed);
  const vars = { first: firstName(input.character.name), goal: lowerFirst(input.goal.description) };
  const options = input.strategies.slice(0, input.count).map((strategy: Strategy) => {
    const lines = OPTION_LINES[strategy.id];
    const text = lines ? fill(pick(random, lines), vars) : strategy.description;
    return { text: text.slice(0, 500), strategyId: strategy.id };
  });
  return { options };
}

export function scriptedSummary(input: AiTaskInput<'dialogue.summarize'>): AiTaskOutput<'dialogue.summarize'> {
  const outcome = input.goalAchieved ? 'won them over' : 'did not get what they wanted';
  const mood = input.character.mood;
  return {
    summary:
      `The player spoke with ${input.character.name} for ${input.turnCount} turn(s), trying to ${lowerFirst(input.goal.description)}, ` +
      `and ${outcome} (progress ${Math.round(input.goalProgress * 100)}%). ${firstName(input.character.name)} ended the conversation ${mood.emotion}.`,
  };
}

/** Generic offline text: a few plausible sentences, deterministic for the seed (or the prompt). */
export function scriptedText(input: AiTaskInput<'text.generate'>): string {
  const random = mulberry32(input.seed ?? seedFromText(input.prompt));
  const topic = input.prompt.split(/\s+/).slice(0, 6).join(' ');
  const openers = ['Here is a thought on', 'A few words about', 'Consider this, on'];
  const bodies = ['The road ahead is long, but every step tells a story.', 'Some say the old ways hold the answer.', 'Nothing is ever quite what it seems.'];
  const closers = ['That is all for now.', 'More may come in time.', 'Make of it what you will.'];
  return `${pick(random, openers)} "${topic}": ${pick(random, bodies)} ${pick(random, closers)}`;
}
