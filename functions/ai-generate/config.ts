import { z } from 'zod';
import { CommonConfigSchema, DialogueConfigSchema } from '@parley/shared';

/** ai-generate reads the common settings (provider, events, port) plus its own. */
export const ConfigSchema = CommonConfigSchema.extend({
  /** Delay between the scripted provider's chunks; 0 = instant (benchmarks). */
  SCRIPTED_CHUNK_DELAY_MS: z.coerce.number().int().min(0).max(5000).default(15),
  /** How often the relay sends the AI-call analytics waiting in the outbox. */
  OUTBOX_RELAY_INTERVAL_MS: DialogueConfigSchema.shape.OUTBOX_RELAY_INTERVAL_MS,
  /**
   * Milliseconds a streamed reply's deltas may wait to share one SSE frame (the first is always sent
   * at once); 0 = one frame per delta.
   */
  SSE_FRAME_MS: z.coerce.number().int().min(0).max(100).default(4),
  /** When set, callers must send `Authorization: Bearer <token>` (HttpAiClient's `serviceToken`). */
  AI_SERVICE_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16).optional()),
});
export type Config = z.infer<typeof ConfigSchema>;
