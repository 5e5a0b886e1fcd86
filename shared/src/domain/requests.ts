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
