/**
 * Flattering player lines for long dialogues (tests and the bench). The dialogue rules make a repeated line
 * cost the character's patience until it ends the dialogue, so a long run rotates through more distinct
 * lines than the rules remember (the last 10 of each side).
 */
export const FLATTERING_LINES = [
  'Your stew is famous.',
  'The whole valley talks of your ale.',
  'Nobody keeps a warmer hearth than you.',
  'Travellers cross the pass just for your bread.',
  'You run this place better than any lord runs his keep.',
  'I have never slept as well as under your roof.',
  'Your kindness to strangers is well known.',
  'The bards sing of your hospitality.',
  'Even the guards speak well of you.',
  'This is the finest inn on the coast road.',
  'Your pies put the baker to shame.',
  'You remember every guest by name, they say.',
] as const;

/** The line for turn `n` (any integer): the list in order, over and over. */
export const flatteringLine = (n: number): string => FLATTERING_LINES[Math.abs(n) % FLATTERING_LINES.length]!;
