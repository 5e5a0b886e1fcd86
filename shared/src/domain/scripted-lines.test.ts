import bramJson from '../../../content/characters/captain-bram.json';
import maraJson from '../../../content/characters/innkeeper-mara.json';
import { OptionsOutputSchema, ReplyOutputSchema, type AiTaskInput } from './ai-tasks';
import { mulberry32, scriptedOptions, scriptedReply, scriptedSummary, scriptedText } from './scripted-lines';
import { initialGame, lineHash, rememberReply, sentencesOf } from './dialogue-rules';
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

  test("a flatterer and a threat get different answers, in the character's own name and pronouns", () => {
    const flatter = scriptedReply(
      replyInput({ strategy: { id: 'flatter', description: 'praise' }, playerText: 'You are a fine captain.' }),
    );
    const threat = scriptedReply(
      replyInput({
        strategy: { id: 'intimidate', description: 'threaten' },
        playerText: 'Open up or you will regret it.',
      }),
    );
    expect(flatter).not.toBe(threat);
    expect(threat).toMatch(/^\*Bram /);
    expect(threat).not.toMatch(/\btheir\b|\bthe [a-z]+s (his|her|their)\b/);
  });

  test('an insult sent as flatter is answered as an insult', () => {
    const lines = [1, 2, 3, 4].map((seed) =>
      scriptedReply(
        replyInput({
          seed,
          strategy: { id: 'flatter', description: 'praise' },
          playerText: 'You are a stupid, worthless fool.',
        }),
      ),
    );
    for (const line of lines) expect(line).toMatch(/tongue|finished|spoken to like that|manners|foul mouth|Insults/);
  });

  test('the mood colours the line', () => {
    const lines = (valence: number) =>
      [1, 2, 3, 4].map((seed) =>
        scriptedReply(
          replyInput({ seed, character: { ...characterBrief(bram), mood: { emotion: 'x', intensity: 0.5, valence } } }),
        ),
      );
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
    expect(scriptedText({ prompt: 'a tavern rumour', seed: 5 })).toBe(
      scriptedText({ prompt: 'a tavern rumour', seed: 5 }),
    );
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

describe("scriptedReply and the rules' verdict", () => {
  const goal = bram.goals[0]!;
  const withGoal = {
    id: goal.id,
    description: goal.description,
    successHint: goal.successHint,
    concession: goal.concession!,
  };

  test("conceding says the goal's concession", () => {
    const text = scriptedReply(replyInput({ goal: withGoal, verdict: 'concede', goalProgress: 0.75 }));
    expect(text).toContain(goal.concession!);
  });

  test('without a concession, conceding acts out the success hint', () => {
    const text = scriptedReply(replyInput({ verdict: 'concede', goalProgress: 0.75 }));
    expect(text).toContain(goal.successHint);
  });

  test('leaving ends the talk and says so', () => {
    const text = scriptedReply(replyInput({ verdict: 'leave', playerText: 'You are a coward.' }));
    expect(text).toMatch(/done here|heard enough|conversation is over|Leave\. Now|Goodbye/);
  });

  test('a goal already won is not conceded again, a lost one is refused', () => {
    expect(scriptedReply(replyInput({ goalStanding: 'achieved' }))).toMatch(/already have|deal|What else|settled/);
    expect(scriptedReply(replyInput({ verdict: 'refuse' }))).toMatch(/not get it from me|stay no|Not after that/);
  });
});

describe('scriptedReply speaks as the character would', () => {
  const speech = (text: string) => text.replace(/\*[^*]*\*/g, ' ');
  const characters = [bram, mara];

  test.each(characters.map((c) => [c.id, c] as const))(
    '%s: never names itself in speech nor pastes the goal text',
    (_id, c) => {
      const goal = c.goals[0]!;
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        for (const strategy of goal.strategies) {
          const text = scriptedReply({
            seed,
            character: characterBrief(c),
            goal: { id: goal.id, description: goal.description, successHint: goal.successHint },
            strategy,
            goalProgress: seed / 10,
            history: [],
            playerText: 'I need your help with something.',
          });
          expect(speech(text)).not.toContain(
            c.name.split(' ').length >= 3 ? c.name.split(' ')[1]! : c.name.split(' ')[0]!,
          );
          expect(text.toLowerCase()).not.toContain(goal.description.toLowerCase());
        }
      }
    },
  );

  test('never sounds glad in a dark mood', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      const text = scriptedReply(
        replyInput({
          seed,
          character: { ...characterBrief(bram), mood: { emotion: 'angry', intensity: 0.8, valence: -0.6 } },
        }),
      );
      expect(text).not.toMatch(/glad of the company|good mood|decent day/);
    }
  });

  test("says no sentence twice over ten turns when told what it said (the rules' memory)", () => {
    let game = initialGame(bram);
    const said: string[] = [];
    for (let turn = 1; turn <= 10; turn++) {
      const text = scriptedReply(
        replyInput({
          seed: 7,
          playerText: `Reason number ${turn}.`,
          avoid: game.characterSentences,
          goalProgress: 0.1 + turn * 0.02,
        }),
      );
      for (const sentence of sentencesOf(text)) {
        expect(said).not.toContain(sentence);
        said.push(sentence);
      }
      game = rememberReply(game, text);
    }
  });
});

describe('scriptedOptions over turns', () => {
  const goal = mara.goals[1]!;
  const input = (history: AiTaskInput<'dialogue.options'>['history'], count = 2): AiTaskInput<'dialogue.options'> => ({
    seed: 9,
    character: characterBrief(mara),
    goal: { id: goal.id, description: goal.description, successHint: goal.successHint },
    strategies: goal.strategies,
    history,
    count,
  });
  const at = '2026-11-24T00:00:00.000Z';

  test('rotate through every valid strategy and keep the one used last', () => {
    const seen = new Set<string>();
    for (let seq = 1; seq <= 3; seq++) {
      const history = [{ seq, speaker: 'player' as const, text: 'x', strategyId: 'deceive', at }];
      const ids = scriptedOptions(input(history)).options.map((o) => o.strategyId);
      expect(ids).toContain('deceive');
      ids.forEach((id) => seen.add(id));
    }
    expect([...seen].sort()).toEqual(goal.strategies.map((s) => s.id).sort());
  });

  test("use the character's name, never a broken one, and never the goal text", () => {
    for (let seq = 0; seq < 6; seq++) {
      for (const o of scriptedOptions(input([{ seq, speaker: 'character', text: 'y', at }], 3)).options) {
        expect(o.text).not.toMatch(/, the\.|\bthe\.$/);
        expect(o.text.toLowerCase()).not.toContain(goal.description.toLowerCase());
      }
    }
  });

  test('avoid the lines the player said lately', () => {
    const first = scriptedOptions(input([], 3)).options;
    const again = scriptedOptions({ ...input([], 3), avoid: first.map((o) => lineHash(o.text)) }).options;
    for (const o of again) expect(first.map((f) => f.text)).not.toContain(o.text);
  });
});

describe('scriptedSummary tells the truth', () => {
  const goal = bram.goals[0]!;
  const base = {
    character: { ...characterBrief(bram), mood: { emotion: 'angry', intensity: 0.7, valence: -0.5 } },
    goal: { id: goal.id, description: goal.description, successHint: goal.successHint },
    history: [],
    goalProgress: 0.4,
    turnCount: 4,
  };

  test.each([
    { goalAchieved: false, goalLost: false, says: 'did not get what they wanted' },
    { goalAchieved: false, goalLost: true, says: 'lost any chance' },
    { goalAchieved: true, goalLost: false, says: 'got what they came for' },
  ])('achieved $goalAchieved, lost $goalLost -> "$says"', ({ goalAchieved, goalLost, says }) => {
    const { summary } = scriptedSummary({ ...base, goalAchieved, goalLost });
    expect(summary).toContain(says);
    if (!goalAchieved) expect(summary).not.toMatch(/won them over|got what they came for/);
  });

  test('names the strategies used with their turns, the opinion change and who ended it', () => {
    const { summary } = scriptedSummary({
      ...base,
      goalAchieved: false,
      opinionChange: { from: -10, to: -13.2 },
      strategies: {
        flatter: { turns: 3, progress: 0.1, opinion: -2 },
        persuade: { turns: 1, progress: 0.1, opinion: 1 },
      },
      endedBy: 'character',
    });
    expect(summary).toContain('flatter (3 turns), persuade (1 turn)');
    expect(summary).toContain('cooled toward them (opinion -10 to -13.2)');
    expect(summary).toContain('Bram ended the conversation, angry');
  });
});
