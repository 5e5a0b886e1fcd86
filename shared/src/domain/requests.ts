import { z } from 'zod';
import { OpinionValueSchema, SlugSchema } from './character';
import { MemoryDraftSchema, MemoryPatchSchema } from './memory';
import { MessageIdSchema, PlayerTextSchema } from './dialogue';

/** Bodies of the frontend routes (docs/api.md). Strict: unknown fields are rejected. */
export const StartDialogueBodySchema = z.strictObject({
  characterId: SlugSchema,
  goalId: SlugSchema,
  strategyId: SlugSchema.optional(),
});

/**
 * `Idempotency-Key` header of `POST /v1/dialogues`: 1-255 visible ASCII characters (a UUID is typical).
 * Same key and player: the same dialogue; the same key with another body: 422 `IdempotencyKeyReused`.
 */
export const IdempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 visible ASCII characters');

export const SendMessageBodySchema = z
  .strictObject({
    messageId: MessageIdSchema,
    optionId: z.string().min(1).max(16).optional(),
    text: PlayerTextSchema.optional(),
    strategyId: SlugSchema.optional(),
  })
  .refine((b) => (b.optionId === undefined) !== (b.text === undefined), {
    message: 'send exactly one of optionId and text',
    path: ['optionId'],
  });

/** `POST .../memories` (game server): a memory to keep; `pinned` defaults to false. */
export const AddMemoryBodySchema = MemoryDraftSchema;
/** `PATCH .../memories/:memoryId` (game server). */
export const PatchMemoryBodySchema = MemoryPatchSchema;
/** `PUT .../relationship` (game server): the character's opinion of the player, -100..100. */
export const SetRelationshipBodySchema = z.strictObject({ opinion: OpinionValueSchema });

export const EndDialogueBodySchema = z.strictObject({
  reason: z.string().trim().min(1).max(200).optional(),
});
