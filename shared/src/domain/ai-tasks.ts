import { z } from 'zod';
import { MoodSchema, SlugSchema, StrategySchema, TraitsSchema } from './character';
import { AppraisalSchema, OptionSchema, TurnSchema } from './dialogue';

/** What a prompt may know of a character (persona and secrets included: the gateway is private). */
export const CharacterBriefSchema = z.strictObject({
  id: SlugSchema,
  name: z.string(),
  persona: z.string(),
  greeting: z.string(),
  traits: TraitsSchema,
  secrets: z.array(z.string()),
  mood: MoodSchema,
  opinionOfPlayer: z.number().min(-100).max(100),
});
export type CharacterBrief = z.infer<typeof CharacterBriefSchema>;

const GoalBriefSchema = z.strictObject({ id: SlugSchema, description: z.string(), successHint: z.string() });
const SeedSchema = z.number().int().min(0).max(2 ** 31 - 1);
/** Ties an AI call to a dialogue in the analytics events. */
const ContextIdSchema = z.string().max(64).optional();

export const ReplyInputSchema = z.strictObject({
  dialogueId: ContextIdSchema,
  seed: SeedSchema,
  character: CharacterBriefSchema,
  goal: GoalBriefSchema,
  strategy: StrategySchema,
  goalProgress: z.number().min(0).max(1),
  history: z.array(TurnSchema).max(64),
  /** Absent for the character's opening line. */
  playerText: z.string().max(4000).optional(),
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
});
export const OptionsOutputSchema = z.strictObject({
  options: z.array(OptionSchema.omit({ id: true })).min(1).max(4),
});

export const AppraiseInputSchema = z.strictObject({
  dialogueId: ContextIdSchema,
  seed: SeedSchema,
  character: CharacterBriefSchema,
  goal: GoalBriefSchema,
  strategy: StrategySchema,
  goalProgress: z.number().min(0).max(1),
  playerText: z.string().max(4000),
  replyText: z.string().max(4000),
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
  'text.generate': { input: TextGenerateInputSchema, output: TextGenerateOutputSchema, streams: true },
} as const;
export type AiTaskName = keyof typeof AI_TASKS;
export const AiTaskNameSchema = z.enum(Object.keys(AI_TASKS) as [AiTaskName, ...AiTaskName[]]);
export type StreamingTaskName = { [K in AiTaskName]: (typeof AI_TASKS)[K]['streams'] extends true ? K : never }[AiTaskName];
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
});
export type AiCallMeta = z.infer<typeof AiCallMetaSchema>;

/** The body of `POST /v1/tasks/:task`. */
export const TaskRequestSchema = z.strictObject({ input: z.unknown(), stream: z.boolean().optional() });
