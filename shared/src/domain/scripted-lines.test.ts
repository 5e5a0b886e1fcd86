import bramJson from '../../../content/characters/captain-bram.json';
import maraJson from '../../../content/characters/innkeeper-mara.json';
import { OptionsOutputSchema, ReplyOutputSchema, type AiTaskInput } from './ai-tasks';
import { mulberry32, scriptedOptions, scriptedReply, scriptedSummary, scriptedText } from './scripted-lines';
import { CharacterSchema } from './character';
import { characterBrief } from './transitions';

const bram = CharacterSchema.parse(bramJson);
const mara = CharacterSchema.parse(maraJson);

function replyInput(overrides: Partial<AiTaskInput<'dialogue.reply'>> = {}): AiTaskInput<'dialogue.reply'> {
  const goal = bram.goals[0]!;
  return {
    seed: 42,
    character: characterBrief(bram),
    goal: { id: goal.id, description: goal.description, successHint: goal.successHint },
    strategy: goal.strategies[0]!,
    goalProgress: 0.1,
    history: [],
    playerText: 'Please, I must get through tonight.',
    ...overrides,
  };
}

describe('mulberry32', () => {
  test('is deterministic for a seed and differs between seeds', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const seqA = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(seqA);
    expect([c(), c(), c()]).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('scriptedReply', () => {
  test('the same seed and input give the same line', () => {
    expect(scriptedReply(replyInput())).toBe(scriptedReply(replyInput()));
  });

  test('different seeds give different lines', () => {
    const lines = new Set([1, 2, 3, 4, 5, 6].map((seed) => scriptedReply(replyInput({ seed }))));
    expect(lines.size).toBeGreaterThan(1);
  });

  test('a flatterer and a threat get different answers', () => {
    const flatter = scriptedReply(replyInput({ strategy: { id: 'flatter', description: 'praise' } }));
    const threat = scriptedReply(replyInput({ strategy: { id: 'intimidate', description: 'threaten' } }));
    expect(flatter).not.toBe(threat);
    // Bram is brave and not vain: both land badly, and he says so in his own name.
    expect(threat).toMatch(/^\*Bram /);
    expect(threat).toMatch(/angry/);
  });

  test('the same strategy lands differently on different characters', () => {
    const toBram = scriptedReply(replyInput({ strategy: { id: 'flatter', description: 'praise' } }));
    const toMara = scriptedReply(replyInput({ character: characterBrief(mara), strategy: { id: 'flatter', description: 'praise' } }));
    expect(toBram).toMatch(/annoyed/);
    expect(toMara).toMatch(/pleased/);
  });

  test('the mood colours the line', () => {
    const lines = (valence: number) =>
      [1, 2, 3, 4].map((seed) => scriptedReply(replyInput({ seed, character: { ...characterBrief(bram), mood: { emotion: 'x', intensity: 0.5, valence } } })));
    expect(lines(-0.8)).not.toEqual(lines(0.8));
  });

  test('the greeting starts from the character greeting and is a valid reply', () => {
    const { playerText: _omit, ...rest } = replyInput();
    const greeting = scriptedReply(rest);
    expect(greeting.startsWith(bram.greeting)).toBe(true);
    expect(ReplyOutputSchema.safeParse({ text: greeting }).success).toBe(true);
  });
});

describe('scriptedOptions', () => {
  test('one valid option per strategy, up to count, deterministic', () => {
    const goal = mara.goals[0]!;
    const input: AiTaskInput<'dialogue.options'> = {
      seed: 3,
      character: characterBrief(mara),
      goal: { id: goal.id, description: goal.description, successHint: goal.successHint },
      strategies: goal.strategies,
      history: [],
      count: 4,
    };
    const out = scriptedOptions(input);
    expect(OptionsOutputSchema.parse(out)).toEqual(out);
    expect(out.options.map((o) => o.strategyId)).toEqual(goal.strategies.map((s) => s.id));
    expect(scriptedOptions(input)).toEqual(out);
    expect(scriptedOptions({ ...input, count: 1 }).options).toHaveLength(1);
  });
});

describe('scriptedSummary and scriptedText', () => {
  test('summary names the character and the result', () => {
    const goal = bram.goals[0]!;
    const { summary } = scriptedSummary({
      character: characterBrief(bram),
      goal: { id: goal.id, description: goal.description, successHint: goal.successHint },
      history: [],
      goalProgress: 0.8,
      goalAchieved: true,
      turnCount: 3,
    });
    expect(summary).toContain('Captain Bram Holloway');
    expect(summary).toContain('80%');
  });

  test('text is deterministic for a seed', () => {
    expect(scriptedText({ prompt: 'a tavern rumour', seed: 5 })).toBe(scriptedText({ prompt: 'a tavern rumour', seed: 5 }));
    expect(scriptedText({ prompt: 'a tavern rumour' })).toContain('a tavern rumour');
  });
});

describe('scriptedReply over a dialogue', () => {
  test('does not repeat a sentence the character just said while its pool has another', () => {
    const sentencesOf = (text: string) => text.split(/(?<=[.!?*])\s+/).filter((s) => s.length > 0);
    // The same seed both turns: only the history can make the lines differ. Every pool has >= 2 lines.
    const first = scriptedReply(replyInput({ seed: 42 }));
    const history: AiTaskInput<'dialogue.reply'>['history'] = [
      { seq: 1, speaker: 'player', text: 'Please.', at: '2026-11-24T00:00:00.000Z' },
      { seq: 1, speaker: 'character', text: first, at: '2026-11-24T00:00:00.000Z' },
    ];
    const second = scriptedReply(replyInput({ seed: 42, history }));
    for (const sentence of sentencesOf(second)) expect(sentencesOf(first)).not.toContain(sentence);
    // Without the history the same seed gives the same line again (deterministic).
    expect(scriptedReply(replyInput({ seed: 42 }))).toBe(first);
  });
});
