import bramJson from '../../../content/characters/captain-bram.json';
import type { AiTaskInput } from '../domain/ai-tasks';
import { CharacterSchema } from '../domain/character';
import { characterBrief, startDialogue } from '../domain/transitions';
import type { DialogueTurnInput } from '../domain/dialogue-turn';

/** Valid task inputs built from a sample character, for the gateway's, app's and providers' tests. */
export const sampleCharacter = CharacterSchema.parse(bramJson);
const goal = sampleCharacter.goals[0]!;
const goalBrief = { id: goal.id, description: goal.description, successHint: goal.successHint };
export const SAMPLE_DIALOGUE_ID = '0b9f5a52-4a4c-4c8e-9d7e-3f0c2d1e5a61';

export function sampleReplyInput(
  overrides: Partial<AiTaskInput<'dialogue.reply'>> = {},
): AiTaskInput<'dialogue.reply'> {
  return {
    dialogueId: SAMPLE_DIALOGUE_ID,
    seed: 1234,
    character: characterBrief(sampleCharacter),
    goal: goalBrief,
    strategy: goal.strategies[0]!,
    goalProgress: 0.2,
    history: [{ seq: 0, speaker: 'character', text: sampleCharacter.greeting, at: '2025-01-01T00:00:00.000Z' }],
    playerText: 'My sister is sick in the lower town, I must reach her tonight.',
    ...overrides,
  };
}

export function sampleAppraiseInput(
  overrides: Partial<AiTaskInput<'dialogue.appraise'>> = {},
): AiTaskInput<'dialogue.appraise'> {
  return {
    dialogueId: SAMPLE_DIALOGUE_ID,
    seed: 1234,
    character: characterBrief(sampleCharacter),
    goal: goalBrief,
    strategy: { id: 'intimidate', description: 'Threaten him with the name of a powerful patron' },
    goalProgress: 0.2,
    playerText: 'Open the gate or Lord Vesk hears of this.',
    replyText: 'Threaten me again and see where it gets you.',
    ...overrides,
  };
}

export function sampleOptionsInput(): AiTaskInput<'dialogue.options'> {
  return {
    dialogueId: SAMPLE_DIALOGUE_ID,
    seed: 99,
    character: characterBrief(sampleCharacter),
    goal: goalBrief,
    strategies: goal.strategies,
    history: [],
    count: 3,
  };
}

/** A `dialogue.turn` input: the first turn of a dialogue with the sample character, free text. */
export function sampleTurnInput(overrides: Partial<DialogueTurnInput> = {}): DialogueTurnInput {
  const now = new Date('2025-01-01T00:00:00.000Z');
  const { state } = startDialogue({
    id: SAMPLE_DIALOGUE_ID,
    playerId: 'player-1',
    character: sampleCharacter,
    goal,
    strategy: goal.strategies[0]!,
    greetingText: sampleCharacter.greeting,
    options: [],
    ctx: { source: '/parley/test', now },
  });
  return {
    seed: 1234,
    state,
    character: sampleCharacter,
    strategyId: goal.strategies[0]!.id,
    playerText: 'My sister is sick in the lower town, I must reach her tonight.',
    at: now.toISOString(),
    ...overrides,
  };
}
