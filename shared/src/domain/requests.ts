import { z } from 'zod';
import { SlugSchema } from './character';
import { MessageIdSchema, PlayerTextSchema } from './dialogue';

/** Bodies of the frontend routes (DESIGN §4). Strict: unknown fields are rejected. */
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

export const EndDialogueBodySchema = z.strictObject({
  reason: z.string().trim().min(1).max(200).optional(),
});
