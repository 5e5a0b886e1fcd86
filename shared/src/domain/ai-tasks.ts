import { z } from 'zod';
import { MoodSchema, OpinionsSchema, PronounsSchema, SlugSchema, StrategySchema, TraitsSchema } from './character';
import { AppraisalSchema, OptionSchema, TurnSchema } from './dialogue';
import { MemoryIdSchema, MemoryTextSchema, RememberInputSchema, RememberOutputSchema } from './memory';

/** What a prompt may know of a character (persona and secrets included: the gateway is private). */
export const CharacterBriefSchema = z.strictObject({
  id: SlugSchema,
  name: z.string(),
  persona: z.string(),
  greeting: z.string(),
  traits: TraitsSchema,
  secrets: z.array(z.string()),
  /** Secrets the character may now say (a won goal reveals them); the gateway strips every other one. */
  allowedSecrets: z.array(z.string()).optional(),
  mood: MoodSchema,
  opinionOfPlayer: z.number().min(-100).max(100),
  /** How the character is spoken of in stage directions. */
  pronouns: PronounsSchema.optional(),
  /** Opinions of the other characters (by id), so a mention of one can colour the answer. */
  opinions: OpinionsSchema.optional(),
});
export type CharacterBrief = z.infer<typeof CharacterBriefSchema>;

const GoalBriefSchema = z.strictObject({
  id: SlugSchema,
  description: z.string(),
  successHint: z.string(),
  /** What the character says or does on yielding: the model's hint, the scripted provider's words. */
  concession: z.string().optional(),
});
/** What the rules decided before the reply is written; the reply must act on it. */
export const TurnVerdictSchema = z.enum(['concede', 'continue', 'refuse', 'leave']);
/** Where the goal stands after the rules: still open, reached earlier or now, or lost. */
export const GoalStandingSchema = z.enum(['open', 'achieved', 'lost']);
/** Hashes (see `lineHash`) of sentences or lines that should not be said again. */
const AvoidSchema = z.array(z.string().max(16)).max(60).optional();
/** The scripted provider's seed for one call (the same on a retry of the turn). */
export const SeedSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
/** Ties an AI call to a dialogue in the analytics events. */
const ContextIdSchema = z.string().max(64).optional();

/**
 * What the character remembers of the player, as the prompt shows it: the relationship in one line and
 * the recalled memories, best first, already cut to memory's share of the prompt budget.
 */
export const RecallSchema = z.strictObject({
  relationship: z.string().max(300).optional(),
  memories: z.array(z.strictObject({ id: MemoryIdSchema, text: MemoryTextSchema })).max(200),
});
export type Recall = z.infer<typeof RecallSchema>;

export const ReplyInputSchema = z.strictObject({
  dialogueId: ContextIdSchema,
  seed: SeedSchema,
  character: CharacterBriefSchema,
  goal: GoalBriefSchema,
  strategy: StrategySchema,
  goalProgress: z.number().min(0).max(1),
  history: z.array(TurnSchema).max(64),
  /** What was said before the oldest turn of `history`, in a few sentences (a rolling summary). */
  summary: z.string().max(4000).optional(),
  /** Absent for the character's opening line. */
  playerText: z.string().max(4000).optional(),
  /** The rules' verdict on this turn (absent for the opening line: go on). */
  verdict: TurnVerdictSchema.optional(),
  goalStanding: GoalStandingSchema.optional(),
  /** Sentences the character said in recent turns, as hashes: say something else. */
  avoid: AvoidSchema,
  /** Absent when the character keeps nothing about the player. */
  recall: RecallSchema.optional(),
});
export const ReplyOutputSchema = z.strictObject({ text: z.string().min(1).max(4000) });

export const OptionsInputSchema = z.strictObject({
  dialogueId: ContextIdSchema,
  seed: SeedSchema,
  character: CharacterBriefSchema,
  goal: GoalBriefSchema,
  strategies: z.array(StrategySchema).min(1),
  history: z.array(TurnSchema).max(64),
  count: z.number().int().min(1).max(4),
  /** Lines the player said recently, as hashes: offer others. */
  avoid: AvoidSchema,
});
export const OptionsOutputSchema = z.strictObject({
  options: z
    .array(OptionSchema.omit({ id: true }))
    .min(1)
    .max(4),
});

export const AppraiseInputSchema = z.strictObject({
  dialogueId: ContextIdSchema,
  seed: SeedSchema,
  character: CharacterBriefSchema,
  goal: GoalBriefSchema,
  strategy: StrategySchema,
  goalProgress: z.number().min(0).max(1),
  playerText: z.string().max(4000),
  /** The turn is appraised before the character answers; kept optional for older callers. */
  replyText: z.string().max(4000).optional(),
});
export const AppraiseOutputSchema = AppraisalSchema;

export const SummarizeInputSchema = z.strictObject({
  dialogueId: ContextIdSchema,
  character: CharacterBriefSchema,
  goal: GoalBriefSchema,
  history: z.array(TurnSchema).max(64),
  goalProgress: z.number().min(0).max(1),
  goalAchieved: z.boolean(),
  turnCount: z.number().int().min(0),
  goalLost: z.boolean().optional(),
  endedBy: z.enum(['player', 'character', 'timeout']).optional(),
  opinionChange: z.strictObject({ from: z.number(), to: z.number() }).optional(),
  /** Turns and progress per strategy used, so a summary can name what worked. */
  strategies: z
    .record(z.string(), z.strictObject({ turns: z.number(), progress: z.number(), opinion: z.number() }))
    .optional(),
  /** The summary so far: the new one folds `history` into it (a rolling summary). */
  previousSummary: z.string().max(4000).optional(),
});
export const SummarizeOutputSchema = z.strictObject({ summary: z.string().min(1).max(2000) });

export const TextGenerateInputSchema = z.strictObject({
  dialogueId: ContextIdSchema,
  seed: SeedSchema.optional(),
  system: z.string().max(8000).optional(),
  prompt: z.string().min(1).max(16000),
  maxTokens: z.number().int().min(1).max(4096).optional(),
});
export const TextGenerateOutputSchema = z.strictObject({ text: z.string() });

/** The gateway's tasks: each one's input and output schema, and whether its text can stream. */
export const AI_TASKS = {
  'dialogue.reply': { input: ReplyInputSchema, output: ReplyOutputSchema, streams: true },
  'dialogue.options': { input: OptionsInputSchema, output: OptionsOutputSchema, streams: false },
  'dialogue.appraise': { input: AppraiseInputSchema, output: AppraiseOutputSchema, streams: false },
  'dialogue.summarize': { input: SummarizeInputSchema, output: SummarizeOutputSchema, streams: false },
  'dialogue.remember': { input: RememberInputSchema, output: RememberOutputSchema, streams: false },
  'text.generate': { input: TextGenerateInputSchema, output: TextGenerateOutputSchema, streams: true },
} as const;
export type AiTaskName = keyof typeof AI_TASKS;
export const AiTaskNameSchema = z.enum(Object.keys(AI_TASKS) as [AiTaskName, ...AiTaskName[]]);
export type StreamingTaskName = {
  [K in AiTaskName]: (typeof AI_TASKS)[K]['streams'] extends true ? K : never;
}[AiTaskName];
export type AiTaskInput<T extends AiTaskName> = z.infer<(typeof AI_TASKS)[T]['input']>;
export type AiTaskOutput<T extends AiTaskName> = z.infer<(typeof AI_TASKS)[T]['output']>;

export const TokenUsageSchema = z.strictObject({
  prompt: z.number().int().min(0),
  completion: z.number().int().min(0),
  total: z.number().int().min(0),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/** What every AI call reports besides its output. */
export const AiCallMetaSchema = z.strictObject({
  provider: z.string(),
  model: z.string(),
  latencyMs: z.number().min(0),
  usage: TokenUsageSchema,
  /**
   * True when the answer is not the first provider's: its structured output was invalid and the
   * rule-based answer was used, or it failed and a later provider of the chain answered.
   */
  fallback: z.boolean(),
  /** The providers of the chain (AI_PROVIDER=openai,scripted) that failed before `provider` answered. */
  fallbackFrom: z.array(z.string()).optional(),
  /** `seq` of the oldest turn of the input's history the prompt kept (older ones did not fit the context). */
  oldestTurnKept: z.number().int().min(0).optional(),
});
export type AiCallMeta = z.infer<typeof AiCallMetaSchema>;

/** The body of `POST /v1/tasks/:task`. */
export const TaskRequestSchema = z.strictObject({ input: z.unknown(), stream: z.boolean().optional() });
