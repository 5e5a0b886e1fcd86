import { z } from 'zod';
import { CharacterSchema, SlugSchema, type Goal, type Strategy } from './character';
import {
  AiCallMetaSchema,
  AppraiseOutputSchema,
  OptionsOutputSchema,
  RecallSchema,
  ReplyOutputSchema,
  SeedSchema,
  SummarizeOutputSchema,
  type AiTaskInput,
} from './ai-tasks';
import {
  DialogueStateSchema,
  IsoTimeSchema,
  RECENT_TURNS_WINDOW,
  type Appraisal,
  type DialogueState,
  type GameState,
  type Turn,
} from './dialogue';
import { decideTurn, type RulesDecision } from './dialogue-rules';
import { offensesOf, readPlayerLine } from './player-line';
import { characterBrief, findGoal, findStrategy } from './transitions';

/** The name of the streamed task that runs one player turn's AI steps in one call. */
export const DIALOGUE_TURN_TASK = 'dialogue.turn';

/**
 * The input of the `dialogue.turn` task: what the turn's AI steps and the rules between them need.
 * `state` is the dialogue before the turn, `character` the catalog's (as met by this player), `at`
 * the time the player's line is dated in the prompts' history.
 */
export const DialogueTurnInputSchema = z.strictObject({
  seed: SeedSchema,
  state: DialogueStateSchema,
  character: CharacterSchema,
  strategyId: SlugSchema,
  playerText: z.string().min(1).max(4000),
  recall: RecallSchema.optional(),
  at: IsoTimeSchema,
});
export type DialogueTurnInput = z.infer<typeof DialogueTurnInputSchema>;

/**
 * What a `dialogue.turn` call yields, in this order: `appraisal`; `delta`s of the reply (already
 * through the reply filter) and the `reply`; then `options` (absent when the character leaves) and
 * `summary` (only when turns left the prompt's window), in either order; `done` last. A stream
 * without its `done` is incomplete and must not be used.
 */
export const DialogueTurnEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('appraisal'), output: AppraiseOutputSchema, meta: AiCallMetaSchema }),
  z.strictObject({ type: z.literal('delta'), text: z.string() }),
  z.strictObject({ type: z.literal('reply'), output: ReplyOutputSchema, meta: AiCallMetaSchema }),
  z.strictObject({ type: z.literal('options'), output: OptionsOutputSchema, meta: AiCallMetaSchema }),
  z.strictObject({
    type: z.literal('summary'),
    output: SummarizeOutputSchema,
    meta: AiCallMetaSchema,
    /** The last turn the summary covers. */
    throughSeq: z.number().int().min(0),
  }),
  z.strictObject({ type: z.literal('done') }),
]);
export type DialogueTurnEvent = z.infer<typeof DialogueTurnEventSchema>;

/** The turn after the rules decided: the reply's input, and what follows once the reply is known. */
export type DecidedTurn = {
  decision: RulesDecision;
  reply: AiTaskInput<'dialogue.reply'>;
  /**
   * The options' input (none when the character leaves) and the rolling summary's (when turns older
   * than the prompt kept, `oldestTurnKept`, or than the recent window, are not summarized yet).
   */
  after(
    replyText: string,
    oldestTurnKept: number | undefined,
  ): {
    options?: AiTaskInput<'dialogue.options'>;
    summarize?: { input: AiTaskInput<'dialogue.summarize'>; throughSeq: number };
  };
};

/**
 * One turn's AI steps and the rules between them, as pure functions of the turn's input: the
 * appraisal's input, then, given the appraisal, the rules' decision and the reply's input, then,
 * given the reply, the inputs of the options and the summary. The AI gateway runs a `dialogue.turn`
 * with it and `dialogue-message` decides with it; both get the same answer from the same appraisal.
 * Throws `InvalidGoal` / `InvalidStrategy` when the character has no such goal or strategy.
 */
export function planTurn(input: DialogueTurnInput): {
  goal: Goal;
  strategy: Strategy;
  appraise: AiTaskInput<'dialogue.appraise'>;
  decide(appraisal: Appraisal): DecidedTurn;
} {
  const { state, character, playerText, seed } = input;
  const goal = findGoal(character, state.goalId);
  const strategy = findStrategy(goal, input.strategyId);
  const goalView = goalBrief(goal);
  const appraise = {
    dialogueId: state.id,
    seed,
    character: characterBrief(character, state),
    goal: goalView,
    strategy,
    goalProgress: state.goalProgress,
    playerText,
  };
  return {
    goal,
    strategy,
    appraise,
    decide(appraisal) {
      // What the words themselves show is added to the appraiser's view.
      const heard = readPlayerLine(
        playerText,
        { name: character.name, others: Object.keys(state.participants.character.opinions), goal: goal.description },
        strategy.id,
      );
      const decision = decideTurn({
        state,
        character,
        goal,
        strategyId: strategy.id,
        playerText,
        appraisal,
        offensesHeard: offensesOf(heard),
      });
      // The reply knows the verdict and speaks in the mood and opinion the rules left.
      const common = {
        dialogueId: state.id,
        seed,
        character: characterBrief(character, withDecision(state, decision)),
        goal: goalView,
      };
      const reply = {
        ...common,
        strategy,
        goalProgress: decision.changes.goalProgress.after,
        history: state.recentTurns,
        playerText,
        verdict: decision.verdict,
        goalStanding: goalStanding(decision.game),
        avoid: decision.game.characterSentences,
        ...(state.summary ? { summary: state.summary.text } : {}),
        ...(input.recall ? { recall: input.recall } : {}),
      };
      return {
        decision,
        reply,
        after(replyText, oldestTurnKept) {
          const seq = state.turnCount + 1;
          const history: Turn[] = [
            ...state.recentTurns,
            { seq, speaker: 'player', text: playerText, strategyId: strategy.id, at: input.at },
            { seq, speaker: 'character', text: replyText, at: input.at },
          ];
          const summarize = leftTurns(state, history, oldestTurnKept, common);
          return {
            ...(decision.verdict === 'leave'
              ? {}
              : {
                  options: {
                    ...common,
                    strategies: goal.strategies,
                    history: history.slice(-RECENT_TURNS_WINDOW),
                    count: 3,
                    avoid: decision.game.playerLines,
                  },
                }),
            ...(summarize ? { summarize } : {}),
          };
        },
      };
    },
  };
}

/** What the AI tasks know of a goal; the concession is the model's hint and the scripted provider's words. */
export function goalBrief(goal: Goal) {
  return {
    id: goal.id,
    description: goal.description,
    successHint: goal.successHint,
    ...(goal.concession ? { concession: goal.concession } : {}),
  };
}

/**
 * The rolling summary's input when turns leave the prompt's window: those older than the oldest
 * turn the reply's prompt kept (`oldestTurnKept`) or than the recent turns the state keeps, and not
 * summarized yet, are folded into the summary so far. Undefined when nothing left the window.
 */
function leftTurns(
  state: DialogueState,
  history: Turn[],
  oldestTurnKept: number | undefined,
  common: {
    dialogueId: string;
    character: AiTaskInput<'dialogue.reply'>['character'];
    goal: ReturnType<typeof goalBrief>;
  },
): { input: AiTaskInput<'dialogue.summarize'>; throughSeq: number } | undefined {
  if (oldestTurnKept === undefined) return undefined;
  const kept = history.slice(-RECENT_TURNS_WINDOW);
  const windowStart = Math.min(oldestTurnKept, kept[0]?.seq ?? oldestTurnKept);
  const through = state.summary?.throughSeq ?? -1;
  const left = history.filter((t) => t.seq > through && (t.seq < windowStart || !kept.includes(t)));
  if (left.length === 0) return undefined;
  return {
    input: {
      dialogueId: common.dialogueId,
      character: common.character,
      goal: common.goal,
      history: left,
      goalProgress: state.goalProgress,
      goalAchieved: false,
      turnCount: state.turnCount,
      ...(state.summary ? { previousSummary: state.summary.text } : {}),
    },
    throughSeq: Math.max(...left.map((t) => t.seq)),
  };
}

/** The state as the rules left it (mood, opinion, progress, memory), for the reply's brief. */
function withDecision(state: DialogueState, decision: RulesDecision): DialogueState {
  const character = state.participants.character;
  return {
    ...state,
    goalProgress: decision.changes.goalProgress.after,
    game: decision.game,
    participants: {
      ...state.participants,
      character: {
        ...character,
        mood: decision.changes.mood.after,
        opinions: { ...character.opinions, player: decision.changes.opinion.after },
      },
    },
  };
}

function goalStanding(game: GameState): 'open' | 'achieved' | 'lost' {
  return game.goalAchievedAt !== undefined ? 'achieved' : game.goalLostAt !== undefined ? 'lost' : 'open';
}
