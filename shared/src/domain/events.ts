import { z } from 'zod';
import { ChangesSchema, OutcomeSchema, ParticipantSchema, TurnSchema } from './dialogue';
import { MemorySchema, RelationshipSchema } from './memory';

export const EVENT_TYPES = [
  'dialogue.initiate',
  'dialogue.progress',
  'dialogue.resolve',
  'analytics.logging',
  'character.memory',
] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

export const InitiateDataSchema = z.strictObject({
  dialogueId: z.string(),
  playerId: z.string(),
  characterId: z.string(),
  goalId: z.string(),
  strategyId: z.string(),
  participants: z.strictObject({ player: ParticipantSchema, character: ParticipantSchema }),
  greeting: TurnSchema,
});
export const ProgressDataSchema = z.strictObject({
  dialogueId: z.string(),
  characterId: z.string(),
  seq: z.number().int().min(1),
  strategyId: z.string(),
  playerTurn: TurnSchema,
  characterTurn: TurnSchema,
  changes: ChangesSchema,
});
/** The outcome, and what the character now keeps of the player (absent when nothing could be written). */
export const ResolveDataSchema = OutcomeSchema.extend({
  memory: z.strictObject({ written: z.array(MemorySchema), relationship: RelationshipSchema }).optional(),
});
/**
 * A character's memory of a player changed. `added` and `changed` carry the memories (and the relationship
 * when it changed); `forgotten` carries ids only, never the forgotten text.
 */
export const MemoryEventDataSchema = z.strictObject({
  playerId: z.string(),
  characterId: z.string(),
  change: z.enum(['added', 'changed', 'forgotten']),
  /** Who caused it: a dialogue's end, the game server, the player (forget me), or the cap and expiry rules. */
  by: z.enum(['dialogue', 'game', 'player', 'limits']),
  memories: z.array(MemorySchema).optional(),
  memoryIds: z.array(z.string()).optional(),
  relationship: RelationshipSchema.optional(),
  /** `forgotten` only: the relationship was forgotten too (forget me). */
  relationshipForgotten: z.boolean().optional(),
  dialogueId: z.string().optional(),
});
export type MemoryEventData = z.infer<typeof MemoryEventDataSchema>;
export const AnalyticsDataSchema = z.strictObject({
  task: z.string(),
  provider: z.string(),
  model: z.string(),
  latencyMs: z.number().min(0),
  tokens: z.strictObject({
    prompt: z.number().int().min(0),
    completion: z.number().int().min(0),
    total: z.number().int().min(0),
  }),
  ok: z.boolean(),
  fallback: z.boolean().optional(),
  /** Providers of the chain that failed before this one answered. */
  fallbackFrom: z.array(z.string()).optional(),
  /** The error code of a failed call (`ok: false`). */
  error: z.string().optional(),
  /** What the model server said when it failed (never shown to the player). */
  errorDetail: z.string().max(500).optional(),
  /** Character secrets the gateway took out of the model's answer. */
  secretsStripped: z.number().int().min(0).optional(),
  /** Characters of reasoning the model produced and the gateway dropped. */
  reasoningChars: z.number().int().min(0).optional(),
  dialogueId: z.string().optional(),
  characterId: z.string().optional(),
});
export type AnalyticsData = z.infer<typeof AnalyticsDataSchema>;

export const EVENT_DATA_SCHEMAS = {
  'dialogue.initiate': InitiateDataSchema,
  'dialogue.progress': ProgressDataSchema,
  'dialogue.resolve': ResolveDataSchema,
  'analytics.logging': AnalyticsDataSchema,
  'character.memory': MemoryEventDataSchema,
} as const;
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA_SCHEMAS)[T]>;

/** W3C traceparent: version-traceid-spanid-flags. */
export const TraceparentSchema = z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);

/**
 * A CloudEvent 1.0 as Parley emits it. Plain data built by pure code; each transport adapter
 * encodes it (AMQP headers, HTTP binary mode, in-process call).
 */
export const ParleyEventSchema = z.strictObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: EventTypeSchema,
  subject: z.string().optional(),
  /** Set on every event Parley emits; optional on receipt (CloudEvents 1.0: OPTIONAL). RFC 3339. */
  time: z.iso.datetime({ offset: true }).optional(),
  datacontenttype: z.literal('application/json'),
  /** Turn number within the dialogue: 0 on initiate, n on progress of turn n, last + 1 on resolve. */
  sequence: z.number().int().min(0).optional(),
  traceparent: TraceparentSchema.optional(),
  /** Optional (CloudEvents 1.0); every event Parley emits has it. */
  data: z.unknown().optional(),
});
export type ParleyEvent = z.infer<typeof ParleyEventSchema>;

/** Digits of the `sequence` extension on the wire. */
export const SEQUENCE_DIGITS = 10;

/**
 * The `sequence` extension as it travels: a string of SEQUENCE_DIGITS digits, zero-padded, so that
 * comparing the strings orders the events as their turns (`"0000000009"` < `"0000000010"`), as the
 * CloudEvents sequence extension asks ("lexicographically orderable"). Event ids keep the bare
 * number. @throws RangeError for a negative, fractional or too large number.
 */
export function formatSequence(sequence: number): string {
  const text = String(sequence);
  if (!Number.isSafeInteger(sequence) || sequence < 0 || text.length > SEQUENCE_DIGITS) {
    throw new RangeError(`sequence ${sequence} does not fit ${SEQUENCE_DIGITS} digits`);
  }
  return text.padStart(SEQUENCE_DIGITS, '0');
}

/**
 * Reads a `sequence` extension back into the turn number, padded (`"0000000010"`, what Parley sends
 * now) or not (`"10"`, what earlier versions sent, or a JSON number in structured mode).
 * Returns undefined when the value is not a non-negative integer of at most 15 digits.
 */
export function readSequence(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

export function eventSource(functionName: string): string {
  return `/parley/${functionName}`;
}

/**
 * Dialogue event ids are derived from what they describe, so a retry of the same step can never
 * mint a second event for it and consumers can deduplicate on `id`.
 */
export function dialogueEventId(dialogueId: string, type: EventType, sequence: number): string {
  return `${dialogueId}.${type}.${sequence}`;
}

export function buildEvent<T extends EventType>(fields: {
  id: string;
  type: T;
  source: string;
  subject?: string;
  time: string;
  sequence?: number;
  traceparent?: string;
  data: EventData<T>;
}): ParleyEvent {
  const event: ParleyEvent = {
    specversion: '1.0',
    id: fields.id,
    source: fields.source,
    type: fields.type,
    time: fields.time,
    datacontenttype: 'application/json',
    data: fields.data,
  };
  if (fields.subject !== undefined) event.subject = fields.subject;
  if (fields.sequence !== undefined) event.sequence = fields.sequence;
  if (fields.traceparent !== undefined) event.traceparent = fields.traceparent;
  return event;
}
