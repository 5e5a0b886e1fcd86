import { z } from 'zod';
import { MoodSchema, OpinionsSchema, SlugSchema, TraitsSchema } from './character';

/** How many turn entries the hot state keeps for prompts; the full transcript lives apart. */
export const RECENT_TURNS_WINDOW = 8;
/** Goal progress at or above this at the end counts as the goal achieved. */
export const GOAL_ACHIEVED_AT = 0.7;
/** Per-turn bounds on what an appraisal may change, whatever the AI says. */
export const MAX_OPINION_STEP = 15;
export const MAX_PROGRESS_STEP = 0.3;

export const PlayerIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@|-]+$/, 'letters, digits and . _ : @ | -');
export const DialogueIdSchema = z.uuid();
export const MessageIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -');
/** Longest player line, in code points (what a player counts as characters, emoji and accents included). */
export const PLAYER_TEXT_MAX_CODE_POINTS = 2000;
/** And in UTF-8 bytes, so long sequences of combining marks or joined emoji cannot grow the prompt past it. */
export const PLAYER_TEXT_MAX_BYTES = 8192;
const utf8 = new TextEncoder();
export const PlayerTextSchema = z
  .string()
  .trim()
  .min(1)
  // Over this many UTF-16 units it is over the byte cap anyway; the bound shows in the OpenAPI document.
  .max(PLAYER_TEXT_MAX_BYTES)
  .refine((t) => [...t].length <= PLAYER_TEXT_MAX_CODE_POINTS, {
    message: `at most ${PLAYER_TEXT_MAX_CODE_POINTS} characters (code points)`,
  })
  .refine((t) => utf8.encode(t).length <= PLAYER_TEXT_MAX_BYTES, {
    message: `at most ${PLAYER_TEXT_MAX_BYTES} bytes of UTF-8`,
  });
export const IsoTimeSchema = z.iso.datetime();

export const ParticipantSchema = z.strictObject({
  id: z.string().min(1).max(128),
  mood: MoodSchema,
  opinions: OpinionsSchema,
  traits: TraitsSchema,
});
export type Participant = z.infer<typeof ParticipantSchema>;

export const SpeakerSchema = z.enum(['player', 'character']);

export const TurnSchema = z.strictObject({
  seq: z.number().int().min(0),
  speaker: SpeakerSchema,
  text: z.string(),
  strategyId: SlugSchema.optional(),
  optionId: z.string().optional(),
  at: IsoTimeSchema,
});
export type Turn = z.infer<typeof TurnSchema>;

/** A line the player may pick instead of typing. */
export const OptionSchema = z.strictObject({
  id: z.string().min(1).max(16),
  text: z.string().min(1).max(500),
  strategyId: SlugSchema,
});
export type Option = z.infer<typeof OptionSchema>;

export const DialogueStatusSchema = z.enum(['active', 'ended']);

/** How many recent lines per side the rules remember (as hashes) to notice repetition. */
export const REMEMBERED_LINES = 10;
/** Sentences of the character's last lines, as hashes, that a reply should not say again. */
export const REMEMBERED_SENTENCES = 60;

/** What a strategy earned so far in a dialogue: turns used, and the progress and opinion it moved. */
export const StrategyTallySchema = z.strictObject({
  turns: z.number().int().min(0),
  progress: z.number(),
  opinion: z.number(),
});
export type StrategyTally = z.infer<typeof StrategyTallySchema>;

/**
 * The rules' memory of a dialogue, bounded whatever its length: patience left, when the goal was
 * won or lost, totals per strategy (keys are the goal's strategy ids), and hashes of recent lines.
 */
export const GameStateSchema = z.strictObject({
  patience: z.number().int().min(0).max(20),
  patienceMax: z.number().int().min(1).max(20),
  goalAchievedAt: z.number().int().min(1).optional(),
  goalLostAt: z.number().int().min(1).optional(),
  strategies: z.record(SlugSchema, StrategyTallySchema),
  playerLines: z.array(z.string().max(16)).max(REMEMBERED_LINES),
  characterSentences: z.array(z.string().max(16)).max(REMEMBERED_SENTENCES),
});
export type GameState = z.infer<typeof GameStateSchema>;

/**
 * The hot state of a dialogue: what a turn reads and writes. The transcript is kept apart
 * (`DialogueStore.transcript`) so that the cost of a turn does not grow with the dialogue.
 */
export const DialogueStateSchema = z.strictObject({
  id: DialogueIdSchema,
  playerId: PlayerIdSchema,
  characterId: SlugSchema,
  goalId: SlugSchema,
  strategyId: SlugSchema,
  participants: z.strictObject({ player: ParticipantSchema, character: ParticipantSchema }),
  recentTurns: z.array(TurnSchema).max(RECENT_TURNS_WINDOW),
  turnCount: z.number().int().min(0),
  goalProgress: z.number().min(0).max(1),
  /** Absent in dialogues started before the rules existed: `gameOf` derives it from the character. */
  game: GameStateSchema.optional(),
  /**
   * A rolling summary of the turns that left the prompt's window (the context budget or the recent
   * turns kept), through turn `throughSeq`: the character still knows what was said long ago.
   */
  summary: z.strictObject({ text: z.string().min(1).max(4000), throughSeq: z.number().int().min(0) }).optional(),
  status: DialogueStatusSchema,
  options: z.array(OptionSchema),
  version: z.number().int().min(0),
  createdAt: IsoTimeSchema,
  updatedAt: IsoTimeSchema,
});
export type DialogueState = z.infer<typeof DialogueStateSchema>;

/** What the AI says a turn did to the character; the domain bounds it before applying. */
export const AppraisalSchema = z.strictObject({
  emotion: z.string().min(1).max(32),
  intensity: z.number().min(0).max(1),
  valence: z.number().min(-1).max(1),
  opinionDelta: z.number().min(-100).max(100),
  goalProgressDelta: z.number().min(-1).max(1),
  reasons: z.array(z.string().min(1).max(300)).min(1).max(5),
  /** What the player's line did wrong, as the appraiser heard it; the rules spend patience on these. */
  offenses: z
    .array(z.enum(['insult', 'threat', 'lie']))
    .max(3)
    .optional(),
});
export type Offense = NonNullable<z.infer<typeof AppraisalSchema>['offenses']>[number];
export type Appraisal = z.infer<typeof AppraisalSchema>;

const ChangeSchema = z.strictObject({ before: z.number(), after: z.number(), delta: z.number() });
export const ChangesSchema = z.strictObject({
  mood: z.strictObject({ before: MoodSchema, after: MoodSchema }),
  opinion: ChangeSchema,
  goalProgress: ChangeSchema,
  /** Patience left before and after the turn (absent in turns applied before the rules existed). */
  patience: ChangeSchema.optional(),
  /** Set on the one turn that reached the goal. */
  goalAchieved: z.literal(true).optional(),
  /** Set on the one turn that lost the goal for good. */
  goalLost: z.literal(true).optional(),
  /** Set when the character ends the dialogue with this turn's reply. */
  characterLeft: z.literal(true).optional(),
  reasons: z.array(z.string()),
  /** Ids of the memories the prompt of this turn recalled. */
  recalled: z.array(z.string()).optional(),
});
export type Changes = z.infer<typeof ChangesSchema>;

export const EndedBySchema = z.enum(['player', 'character', 'timeout']);

export const OutcomeSchema = z.strictObject({
  dialogueId: DialogueIdSchema,
  playerId: PlayerIdSchema,
  characterId: SlugSchema,
  goalId: SlugSchema,
  strategyId: SlugSchema,
  goalAchieved: z.boolean(),
  /** The turn that reached the goal; absent when it was not reached. */
  goalAchievedAt: z.number().int().min(1).optional(),
  goalLost: z.boolean().default(false),
  goalProgress: z.number().min(0).max(1),
  turnCount: z.number().int().min(0),
  /** Each strategy the player used: turns, and the progress and opinion it moved. */
  strategies: z.record(SlugSchema, StrategyTallySchema).default({}),
  durationMs: z.number().int().min(0),
  moodChange: z.strictObject({ from: MoodSchema, to: MoodSchema, valenceDelta: z.number() }),
  opinionChange: z.strictObject({ from: z.number(), to: z.number(), delta: z.number() }),
  summary: z.string(),
  endedBy: EndedBySchema,
  reason: z.string().optional(),
  endedAt: IsoTimeSchema,
});
export type Outcome = z.infer<typeof OutcomeSchema>;

/** The answer to one applied turn; stored under its messageId so a replay returns it unchanged. */
export const TurnResultSchema = z.strictObject({
  playerTurn: TurnSchema,
  reply: TurnSchema,
  changes: ChangesSchema,
  options: z.array(OptionSchema),
  dialogue: DialogueStateSchema,
  /** Present when the character ended the dialogue with this turn. */
  outcome: OutcomeSchema.optional(),
});
export type TurnResult = z.infer<typeof TurnResultSchema>;
