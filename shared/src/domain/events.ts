import { z } from 'zod';
import { ChangesSchema, OutcomeSchema, ParticipantSchema, TurnSchema } from './dialogue';

export const EVENT_TYPES = ['dialogue.initiate', 'dialogue.progress', 'dialogue.resolve', 'analytics.logging'] as const;
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
export const ResolveDataSchema = OutcomeSchema;
export const AnalyticsDataSchema = z.strictObject({
  task: z.string(),
  provider: z.string(),
  model: z.string(),
  latencyMs: z.number().min(0),
  tokens: z.strictObject({ prompt: z.number().int().min(0), completion: z.number().int().min(0), total: z.number().int().min(0) }),
  ok: z.boolean(),
  fallback: z.boolean().optional(),
  /** Providers of the chain that failed before this one answered. */
  fallbackFrom: z.array(z.string()).optional(),
  /** The error code of a failed call (`ok: false`). */
  error: z.string().optional(),
  dialogueId: z.string().optional(),
  characterId: z.string().optional(),
});
export type AnalyticsData = z.infer<typeof AnalyticsDataSchema>;

export const EVENT_DATA_SCHEMAS = {
  'dialogue.initiate': InitiateDataSchema,
  'dialogue.progress': ProgressDataSchema,
  'dialogue.resolve': ResolveDataSchema,
  'analytics.logging': AnalyticsDataSchema,
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
  time: z.iso.datetime(),
  datacontenttype: z.literal('application/json'),
  /** Turn number within the dialogue: 0 on initiate, n on progress of turn n, last + 1 on resolve. */
  sequence: z.number().int().min(0).optional(),
  traceparent: TraceparentSchema.optional(),
  data: z.unknown(),
});
export type ParleyEvent = z.infer<typeof ParleyEventSchema>;

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
