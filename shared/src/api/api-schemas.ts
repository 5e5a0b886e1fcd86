import { z } from 'zod';
import { PublicCharacterSchema, SlugSchema } from '../domain/character';
import {
  ChangesSchema,
  DialogueIdSchema,
  DialogueStateSchema,
  OptionSchema,
  OutcomeSchema,
  PlayerIdSchema,
  TurnResultSchema,
  TurnSchema,
} from '../domain/dialogue';
import { ParleyEventSchema } from '../domain/events';
import { AiCallMetaSchema } from '../domain/ai-tasks';
import { AnalyticsReportSchema } from '../domain/analytics';
import { MemorySchema, RelationshipSchema } from '../domain/memory';

/**
 * The answers of the HTTP routes, as zod schemas: the OpenAPI document is generated from them,
 * the route tests validate real answers against them, and the typed client takes its types
 * from them (type-only imports, so the client bundle holds no zod).
 */

export const ErrorBodySchema = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
export type ErrorBodyShape = z.infer<typeof ErrorBodySchema>;

export const CharacterListAnswerSchema = z.strictObject({ characters: z.array(PublicCharacterSchema) });
export type CharacterListAnswer = z.infer<typeof CharacterListAnswerSchema>;
export const CharacterAnswerSchema = z.strictObject({ character: PublicCharacterSchema });
export type CharacterAnswer = z.infer<typeof CharacterAnswerSchema>;

export const StartDialogueAnswerSchema = z.strictObject({
  dialogue: DialogueStateSchema,
  greeting: TurnSchema,
  options: z.array(OptionSchema),
});
export type StartDialogueAnswer = z.infer<typeof StartDialogueAnswerSchema>;

/** A live dialogue as read by `GET /v1/dialogues/:id`: the state with its whole transcript. */
export const ActiveDialogueViewSchema = DialogueStateSchema.omit({ recentTurns: true }).extend({
  turns: z.array(TurnSchema),
});
/** Once ended only the outcome is kept; the view names the dialogue and says it ended. */
export const EndedDialogueViewSchema = z.strictObject({
  id: DialogueIdSchema,
  playerId: PlayerIdSchema,
  characterId: SlugSchema,
  goalId: SlugSchema,
  strategyId: SlugSchema,
  status: z.literal('ended'),
});
export const DialogueAnswerSchema = z.union([
  z.strictObject({ dialogue: ActiveDialogueViewSchema }),
  z.strictObject({ dialogue: EndedDialogueViewSchema, outcome: OutcomeSchema }),
]);
export type DialogueAnswer = z.infer<typeof DialogueAnswerSchema>;

/** `replayed`: the messageId was seen before and this is the stored answer; nothing was applied. */
export const TurnAnswerSchema = TurnResultSchema.extend({ replayed: z.boolean() });
export type TurnAnswer = z.infer<typeof TurnAnswerSchema>;

export const EndAnswerSchema = z.strictObject({ outcome: OutcomeSchema, replayed: z.boolean() });
export type EndAnswer = z.infer<typeof EndAnswerSchema>;

/** What a character keeps of a player: `GET` of the player's and the game's memory routes. */
export const MemoryAnswerSchema = z.strictObject({
  relationship: RelationshipSchema.nullable(),
  memories: z.array(MemorySchema),
});
export type MemoryAnswer = z.infer<typeof MemoryAnswerSchema>;
export const MemoryItemAnswerSchema = z.strictObject({ memory: MemorySchema });
export type MemoryItemAnswer = z.infer<typeof MemoryItemAnswerSchema>;
export const RelationshipAnswerSchema = z.strictObject({ relationship: RelationshipSchema });
export type RelationshipAnswer = z.infer<typeof RelationshipAnswerSchema>;
/** Forget me: the characters whose memory of the player was dropped. */
export const ForgetAnswerSchema = z.strictObject({ forgotten: z.array(SlugSchema) });
export type ForgetAnswer = z.infer<typeof ForgetAnswerSchema>;

export const TaskAnswerSchema = z.strictObject({ output: z.unknown(), meta: AiCallMetaSchema });

export const HealthAnswerSchema = z.strictObject({ status: z.literal('ok') });
export const ReadinessAnswerSchema = z.strictObject({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.string()),
});

/** The standalone process's dev-only window on the in-process bus (the playground's event panel). */
export const DevEventsAnswerSchema = z.strictObject({
  events: z.array(ParleyEventSchema),
  next: z.number().int().min(0),
});
export type DevEventsAnswer = z.infer<typeof DevEventsAnswerSchema>;
/** `GET /v1/dialogues?status=active[&limit=20][&after=<id>]`: the caller's own live dialogues, a page at a time. */
export const ListDialoguesQuerySchema = z.strictObject({
  status: z.literal('active'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.uuid().optional(),
});
export type ListDialoguesQuery = z.infer<typeof ListDialoguesQuerySchema>;
/** A page of dialogues, ordered by id; `next` is the `after` of the following page, null on the last. */
export const ListDialoguesAnswerSchema = z.strictObject({
  dialogues: z.array(DialogueStateSchema),
  next: z.uuid().nullable(),
});
export type ListDialoguesAnswer = z.infer<typeof ListDialoguesAnswerSchema>;

export const DevEventsQuerySchema = z.strictObject({ after: z.coerce.number().int().min(0).default(0) });

export { AnalyticsReportSchema };

// ---- Server-Sent Events of the streamed routes (`Accept: text/event-stream`) ----

export const DeltaEventSchema = z.strictObject({ text: z.string() });
export const StartAcceptedEventSchema = z.strictObject({
  dialogueId: DialogueIdSchema,
  characterId: SlugSchema,
  goalId: SlugSchema,
  strategyId: SlugSchema,
});

/** Events of `POST /v1/dialogues`, in order: accepted, delta (many), reply, options, done; or error. */
export const StartStreamEvents = {
  accepted: StartAcceptedEventSchema,
  delta: DeltaEventSchema,
  reply: TurnSchema,
  options: z.array(OptionSchema),
  done: z.strictObject({ dialogue: DialogueStateSchema }),
  error: ErrorBodySchema,
};
/** The turn reached the goal, or lost it for good (sent once, after `changes`). */
export const GoalEventSchema = z.strictObject({
  goalId: SlugSchema,
  status: z.enum(['achieved', 'lost']),
  seq: z.number().int().min(1),
});
/** The character ended the dialogue with this turn: the outcome, as `POST .../end` would answer it. */
export const EndedEventSchema = z.strictObject({ endedBy: z.literal('character'), outcome: OutcomeSchema });

/**
 * Events of `POST /v1/dialogues/:id/messages`: accepted, delta (many), reply, changes, goal (when
 * the goal was reached or lost this turn), ended (when the character ended the dialogue), options,
 * done; or error.
 */
export const MessageStreamEvents = {
  /** The player's turn as accepted; `at` is set when the turn commits (present on a replay). */
  accepted: TurnSchema.partial({ at: true }),
  delta: DeltaEventSchema,
  reply: TurnSchema,
  changes: ChangesSchema,
  goal: GoalEventSchema,
  ended: EndedEventSchema,
  options: z.array(OptionSchema),
  done: z.strictObject({ dialogue: DialogueStateSchema, replayed: z.boolean() }),
  error: ErrorBodySchema,
};

type StreamEventOf<E extends Record<string, z.ZodType>> = {
  [K in keyof E & string]: { event: K; data: z.infer<E[K]> };
}[keyof E & string];
export type StartStreamEvent = StreamEventOf<typeof StartStreamEvents>;
export type MessageStreamEvent = StreamEventOf<typeof MessageStreamEvents>;
