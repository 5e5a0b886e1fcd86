import type { AiTaskInput, AiTaskOutput } from './ai-tasks';
import { DEFAULT_PRONOUNS, shortName, type Mood, type Strategy } from './character';
import type { Turn } from './dialogue';
import { lineHash, sentenceHashes } from './dialogue-rules';
import { STRATEGY_NOUNS, readPlayerLine } from './player-line';
import { nameFromId, strategyEffect } from './rule-appraisal';
import { recallPhrase } from './memory';

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

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
const fill = (template: string, vars: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');

type Reactions = { warm: readonly string[]; cold: readonly string[] };

/** What the character says to each approach, by how it landed. First person only: never its own name. */
const REACTIONS: Record<string, Reactions> = {
  flatter: {
    warm: [
      'Well now, you have a fine eye, I will grant you that.',
      'Ha! Keep talking like that and we might get along.',
      'It is not often someone notices. Go on.',
      'You know how to make a person feel appreciated.',
      'Kind words cost nothing, but I will take them.',
      'Flatterer. Still, I do not mind hearing it.',
    ],
    cold: [
      'Save the honey for someone who likes it. I do not.',
      'Pretty words. I have heard prettier from worse people.',
      'Flattery? Is that really the best you have?',
      'Sweet talk does not work on me.',
      'Spare me the compliments.',
    ],
  },
  intimidate: {
    warm: [
      'All right, all right. There is no need for that.',
      'I do not want any trouble. Just tell me what you need.',
      'Fine. You have made your point. Keep your voice down.',
      'No need to raise your voice. I heard you.',
    ],
    cold: [
      'Threaten me again and see where it gets you.',
      'I have faced worse than you and I am still standing.',
      'You mistake me for someone who scares easily.',
      'Big words. I have buried men who used bigger.',
      'That is a threat, and I do not take kindly to threats.',
    ],
  },
  bribe: {
    warm: [
      'Coin has a way of making a long night shorter.',
      'Now that is a language I understand. Quietly, though.',
      'That purse does change the shape of things.',
      'I will not say no to honest silver.',
    ],
    cold: [
      'Put that away before someone sees it. I am not for sale.',
      'You think silver buys everything? Not here.',
      'Keep your money. It insults us both.',
      'I do not take bribes, and you should not offer them.',
    ],
  },
  deceive: {
    warm: [
      'Is that so? Well, if that is how it is...',
      'I suppose that makes sense.',
      'If you say so, I will take you at your word.',
      'Strange times. I have heard stranger stories that were true.',
    ],
    cold: [
      'That is a lie, and not even a good one.',
      'Your story has more holes than a fishing net.',
      'Do you take me for a fool? Try the truth.',
      'I know a lie when I hear one.',
    ],
  },
  empathize: {
    warm: [
      'It is good to hear someone say that. Thank you.',
      'You understand more than most who pass through here.',
      'Few people ask. I will not forget that you did.',
      'It has been a hard season. Kind of you to notice.',
      'You have a good heart, I think.',
      'That means more than you know.',
    ],
    cold: [
      'I do not need your pity.',
      'Spare me the kind words and get to the point.',
      'Sympathy is cheap. What do you actually want?',
      'Do not pretend to know how I feel.',
    ],
  },
  persuade: {
    warm: [
      'That is a fair argument. I will think on it.',
      'You make a reasonable case, I will give you that.',
      'There is sense in what you say.',
      'I had not looked at it that way.',
      'Go on, I am listening. That much makes sense.',
      'You argue like someone who has thought it through.',
    ],
    cold: [
      'Reasons are easy to find. Convince me they are good ones.',
      'I have heard that argument before. It did not move me then either.',
      'That is not enough. Not yet.',
      'Words. Show me why I should care.',
    ],
  },
};
const GENERIC_REACTIONS: Reactions = {
  warm: [
    'Interesting. Go on.',
    'I am listening.',
    'Maybe. Tell me more.',
    'Fair enough.',
    'All right, I hear you.',
    'Hm. Go on, then.',
  ],
  cold: [
    'I am not sure what you are after.',
    'That does not move me.',
    'Is that all?',
    'No.',
    'Try again.',
    'Not good enough.',
  ],
};
const INSULTED = [
  'Watch your tongue.',
  'Say that again and we are finished.',
  'I will not be spoken to like that.',
  'Mind your manners or find the door.',
  'You have a foul mouth for someone who wants something.',
  'Insults? In my presence? Think again.',
];
/** Words that do not match the declared approach: the character notices. */
const MISFIT = [
  'Was that meant as {noun}? It did not sound like it.',
  'Odd way of putting it.',
  'I am not sure what you mean by that.',
  'That came out wrong, I think.',
];

// Stage directions: the character's name is the subject, so the verb agrees whatever the pronouns.
const WARM_ACTIONS = [
  'nods slowly',
  'lets out a short laugh',
  'leans in a little',
  'relaxes {pos} shoulders',
  'smiles',
  'tilts {pos} head',
];
const COLD_ACTIONS = [
  'narrows {pos} eyes',
  'crosses {pos} arms',
  'shakes {pos} head',
  'steps back',
  'folds {pos} hands',
  'looks away',
];
const MANNERS = [', looking {emotion}', '', ', clearly {emotion}', ' and waits'];

const QUESTIONS: Reactions = {
  warm: ['A fair question.', 'You ask good questions.', 'Since you ask, I will tell you this much.'],
  cold: ['Why do you want to know?', 'You ask a lot of questions.', 'That is not your business.'],
};

const CONCEDE_OPENERS = ['Very well.', 'All right, you win.', 'Fine. You have earned it.', 'You have talked me round.'];
const LEAVE_LINES = [
  'We are done here.',
  'I have heard enough. Get out of my sight.',
  'This conversation is over.',
  'Leave. Now.',
];
const LEAVE_ACTIONS = ['turns {pos} back on you', 'walks away', 'points at the door'];
const REFUSE_LINES = [
  'Whatever you came for, you will not get it from me.',
  'My answer is no, and it will stay no.',
  'Forget it. Not after that.',
];
const AFTER_WIN = [
  'You already have what you came for.',
  'We have a deal, remember.',
  'What else do you want?',
  'Our business is settled.',
];
const AFTER_LOSS = ['My answer has not changed.', 'Still no.', 'Talk all you like. The answer is no.'];

function progressLines(goalProgress: number): readonly string[] {
  if (goalProgress >= 0.5)
    return [
      'I am starting to come round.',
      'You are close. Closer than you think.',
      'Maybe there is a way. Maybe.',
      'Keep going like that.',
    ];
  if (goalProgress >= 0.25)
    return ['I have not said no.', 'You might get somewhere yet.', 'We will see.', 'Perhaps. I have not decided.'];
  return [
    'You will have to do better than that.',
    'You are a long way from what you want.',
    'Not a chance, not yet.',
    'Convince me.',
  ];
}

function moodLines(mood: Mood): readonly string[] {
  if (mood.valence <= -0.3)
    return [
      'I am in no mood for games tonight.',
      'Do not push your luck.',
      'My patience is thin as it is.',
      'Make it quick.',
    ];
  if (mood.valence >= 0.3)
    return [
      'It has been a decent day, all things considered.',
      'You catch me in a good mood.',
      'I am glad of the company, truth be told.',
    ];
  return ['Well?', 'Say what you came to say.', 'I am waiting.'];
}

function otherLine(other: string, opinion: number): readonly string[] {
  if (opinion >= 15) return [`${other}? A good soul, that one.`, `I would trust ${other} with my life.`];
  if (opinion <= -15) return [`Do not speak to me of ${other}.`, `${other}? I would not trust that one.`];
  return [`${other}? What of it?`];
}

type Chooser = (lines: readonly string[]) => string | undefined;

/**
 * Picks lines the character has not said lately: the sentences of the recent turns and the hashes
 * the caller passes (`avoid`, the last ten turns), nor twice in one reply. Returns undefined when
 * every line of a pool was said: the caller then leaves that sentence out rather than repeat it.
 */
function freshPicker(random: () => number, history: readonly Turn[], avoid: readonly string[] = []): Chooser {
  const said = new Set(avoid);
  for (const turn of history)
    if (turn.speaker === 'character') for (const hash of sentenceHashes(turn.text)) said.add(hash);
  return (lines) => {
    const fresh = lines.filter((line) => !sentenceHashes(line).some((hash) => said.has(hash)));
    if (fresh.length === 0) return undefined;
    const line = pick(random, fresh);
    for (const hash of sentenceHashes(line)) said.add(hash);
    return line;
  };
}

/**
 * The character's line: the opening greeting when there is no player text, else a reply that
 * acts on the rules' verdict (concede with the goal's concession, leave, refuse, or go on), reacts
 * to the words (an insult, a question, a name), keeps to the mood it is given, speaks of itself
 * in the first person, and avoids the sentences it said lately.
 */
export function scriptedReply(input: AiTaskInput<'dialogue.reply'>): string {
  const random = mulberry32(input.seed);
  const choose = freshPicker(random, input.history, input.avoid);
  const { character } = input;
  const first = shortName(character.name);
  const mood = character.mood;
  if (input.playerText === undefined) {
    // A character that remembers the player says so first, with the memory the prompt ranked highest.
    const remembered = input.recall?.memories[0];
    const recall = remembered ? `Back again? ${recallPhrase(remembered.text)}` : '';
    return [recall, character.greeting, choose(moodLines(mood))].filter(Boolean).join(' ');
  }
  const pronouns = character.pronouns ?? DEFAULT_PRONOUNS;
  const vars = {
    pos: pronouns.possessive,
    obj: pronouns.object,
    emotion: mood.emotion,
    noun: STRATEGY_NOUNS[input.strategy.id] ?? 'that',
  };
  const reading = readPlayerLine(
    input.playerText,
    { name: character.name, others: Object.keys(character.opinions ?? {}), goal: input.goal.description },
    input.strategy.id,
  );
  const effect = strategyEffect(input.strategy.id, character.traits, first);
  const verdict = input.verdict ?? 'continue';
  // Warm only when the approach worked, the words fit it, and the mood agrees.
  const warm =
    !reading.insult &&
    reading.fitsStrategy &&
    effect.opinionDelta + effect.goalProgressDelta * 40 > 0 &&
    mood.valence > -0.3 &&
    verdict !== 'leave' &&
    verdict !== 'refuse';
  const stage = (actions: readonly string[], manners: readonly string[]) => {
    const combos = actions.flatMap((a) => manners.map((m) => `*${first} ${fill(a + m, vars)}.*`));
    return choose(combos);
  };
  const sentences: Array<string | undefined> = [];

  if (verdict === 'leave') {
    sentences.push(stage(LEAVE_ACTIONS, ['']) ?? `*${first} leaves.*`);
    if (reading.insult) sentences.push(choose(INSULTED));
    sentences.push(choose(LEAVE_LINES) ?? 'Goodbye.');
    return sentences.filter(Boolean).join(' ');
  }

  sentences.push(stage(warm ? WARM_ACTIONS : COLD_ACTIONS, MANNERS));
  const reactions = REACTIONS[input.strategy.id] ?? GENERIC_REACTIONS;
  if (reading.insult) sentences.push(choose(INSULTED));
  else if (!reading.fitsStrategy) sentences.push(choose(MISFIT.map((line) => fill(line, vars))));
  else
    sentences.push(
      choose(warm ? reactions.warm : reactions.cold) ?? choose(warm ? GENERIC_REACTIONS.warm : GENERIC_REACTIONS.cold),
    );
  if ((character.traits.suspicion ?? 0) >= 0.65 && input.strategy.id === 'deceive' && !warm)
    sentences.push(choose(['And do not think I cannot see what you are doing.']));
  if (reading.question && !reading.insult) sentences.push(choose(warm ? QUESTIONS.warm : QUESTIONS.cold));
  for (const other of reading.mentions.slice(0, 1))
    sentences.push(choose(otherLine(nameFromId(other), character.opinions?.[other] ?? 0)));

  if (verdict === 'concede') {
    sentences.push(choose(CONCEDE_OPENERS) ?? 'Very well.');
    sentences.push(input.goal.concession ?? `*${input.goal.successHint}.*`);
  } else if (verdict === 'refuse') {
    sentences.push(choose(REFUSE_LINES) ?? 'No.');
  } else if (input.goalStanding === 'achieved') {
    sentences.push(choose(AFTER_WIN));
  } else if (input.goalStanding === 'lost') {
    sentences.push(choose(AFTER_LOSS));
  } else {
    sentences.push(choose(moodLines(mood)));
    sentences.push(choose(progressLines(input.goalProgress)));
  }
  const text = sentences.filter(Boolean).join(' ');
  return text.length > 0 ? text : `*${first} says nothing.*`;
}

/** The player's lines per approach; `{first}` is the character's short name. Never the goal's text. */
const OPTION_LINES: Record<string, readonly string[]> = {
  flatter: [
    'They say nobody keeps a finer house than you, {first}.',
    'I have heard your name spoken with great respect, {first}.',
    'Someone of your talents deserves better than this.',
    'You are the sharpest mind in the valley, {first}.',
    'Everyone I met on the road spoke well of you.',
    'I admire how you handle things here, {first}.',
  ],
  intimidate: [
    'You know who I work for. Think carefully, {first}.',
    'I would hate for this to become a problem for you.',
    'Help me, or answer to people less patient than I am.',
    'Do not make me ask twice, {first}.',
  ],
  bribe: [
    'Perhaps this purse can help you decide, {first}.',
    'I can make it worth your while.',
    'Name your price. I am sure we can agree.',
    'A little silver for a little help?',
  ],
  deceive: [
    'I was sent here on official business, {first}.',
    'Trust me, everyone has already agreed to this.',
    'It is all arranged. I only need your word.',
    'The lord himself asked me to see to this.',
  ],
  empathize: [
    'That sounds heavy to carry alone, {first}. I am listening.',
    'I understand. I have been afraid of the same things.',
    'You have done more than anyone asks. How are you holding up?',
    'It must be hard, keeping everything together.',
    'I am sorry. Nobody should have to face that alone.',
    'Tell me what worries you, {first}. I will not judge.',
  ],
  persuade: [
    'Hear me out: it is better for both of us if you help me.',
    'Think it through, {first}. Helping me helps you.',
    'Here is why it matters, and why it cannot wait.',
    'Look at what is at stake and tell me I am wrong.',
    'You are a reasonable person, {first}. Weigh it fairly.',
    'Nobody loses if you help, and many may gain.',
  ],
};

/**
 * Options: one per strategy valid for the goal, up to `count`, in an order that rotates from turn
 * to turn, always including the strategy the player used last when it is valid; each line is one
 * the player has not said lately (`avoid`), so a player who follows the options varies their words.
 */
export function scriptedOptions(input: AiTaskInput<'dialogue.options'>): AiTaskOutput<'dialogue.options'> {
  const random = mulberry32(input.seed);
  const avoid = new Set(input.avoid ?? []);
  const vars = { first: shortName(input.character.name) };
  const lastPlayerTurn = [...input.history].reverse().find((turn) => turn.speaker === 'player');
  const offset = (input.history[input.history.length - 1]?.seq ?? 0) % input.strategies.length;
  const rotated = [...input.strategies.slice(offset), ...input.strategies.slice(0, offset)];
  const chosen = rotated.slice(0, input.count);
  const last = input.strategies.find((s) => s.id === lastPlayerTurn?.strategyId);
  if (last && !chosen.includes(last)) chosen[chosen.length - 1] = last;
  const options = chosen.map((strategy: Strategy) => {
    const lines = (OPTION_LINES[strategy.id] ?? [strategy.description]).map((line) => fill(line, vars));
    const fresh = lines.filter((line) => !avoid.has(lineHash(line)));
    const text = pick(random, fresh.length > 0 ? fresh : lines);
    avoid.add(lineHash(text));
    return { text: text.slice(0, 500), strategyId: strategy.id };
  });
  return { options };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A summary true to the numbers it is given: it claims a win only when the goal was reached. */
export function scriptedSummary(input: AiTaskInput<'dialogue.summarize'>): AiTaskOutput<'dialogue.summarize'> {
  const first = shortName(input.character.name);
  const result = input.goalAchieved
    ? 'got what they came for'
    : input.goalLost
      ? 'lost any chance of it'
      : 'did not get what they wanted';
  const parts = [
    `The player spoke with ${input.character.name} for ${plural(input.turnCount, 'turn')}, trying to ${lowerFirst(input.goal.description)}, ` +
      `and ${result} (progress ${Math.round(input.goalProgress * 100)}%).`,
  ];
  const used = Object.entries(input.strategies ?? {})
    .filter(([, tally]) => tally.turns > 0)
    .sort((a, b) => b[1].turns - a[1].turns);
  if (used.length > 0)
    parts.push(`Approaches used: ${used.map(([id, tally]) => `${id} (${plural(tally.turns, 'turn')})`).join(', ')}.`);
  if (input.opinionChange) {
    const { from, to } = input.opinionChange;
    const way = to > from ? 'warmed to them' : to < from ? 'cooled toward them' : 'thinks of them as before';
    parts.push(`${first} ${way} (opinion ${from} to ${to}).`);
  }
  parts.push(
    input.endedBy === 'character'
      ? `${first} ended the conversation, ${input.character.mood.emotion}.`
      : `${first} was left ${input.character.mood.emotion}.`,
  );
  return { summary: parts.join(' ') };
}

/** Generic offline text: a few plausible sentences, deterministic for the seed (or the prompt). */
export function scriptedText(input: AiTaskInput<'text.generate'>): string {
  const random = mulberry32(input.seed ?? seedFromText(input.prompt));
  const topic = input.prompt.split(/\s+/).slice(0, 6).join(' ');
  const openers = ['Here is a thought on', 'A few words about', 'Consider this, on'];
  const bodies = [
    'The road ahead is long, but every step tells a story.',
    'Some say the old ways hold the answer.',
    'Nothing is ever quite what it seems.',
  ];
  const closers = ['That is all for now.', 'More may come in time.', 'Make of it what you will.'];
  return `${pick(random, openers)} "${topic}": ${pick(random, bodies)} ${pick(random, closers)}`;
}
