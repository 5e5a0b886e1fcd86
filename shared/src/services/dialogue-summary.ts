import type { Character, Goal } from '../domain/character';
import type { DialogueState, Outcome } from '../domain/dialogue';
import { characterBrief, goalAchieved, plainSummary, summaryNumbers } from '../domain/transitions';
import type { AiClient } from '../ports/ai-client';
import { goalBrief } from './dialogue-access';

/**
 * The summary of a dialogue that is ending, from the AI with the numbers it must agree with (won
 * or not, lost, opinion change, strategies by turns, who ended it). Never rejects: when the AI
 * fails, the plain summary says what happened, so ending never fails on it.
 */
export async function summarizeEnding(
  ai: AiClient,
  input: {
    state: DialogueState;
    character: Character;
    goal: Goal;
    endedBy: Outcome['endedBy'];
    traceparent?: string | undefined;
  },
): Promise<string> {
  const { state, character, goal, endedBy } = input;
  return ai
    .run(
      'dialogue.summarize',
      {
        dialogueId: state.id,
        character: characterBrief(character, state),
        goal: goalBrief(goal),
        history: state.recentTurns,
        goalProgress: state.goalProgress,
        goalAchieved: goalAchieved(state, character, goal),
        turnCount: state.turnCount,
        ...summaryNumbers(state, character, goal, endedBy),
      },
      input.traceparent ? { traceparent: input.traceparent } : {},
    )
    .then((r) => r.output.summary)
    .catch(() => plainSummary(character, goal, state, endedBy));
}
