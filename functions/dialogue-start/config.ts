import type { z } from 'zod';
import { DialogueConfigSchema } from '@parley/shared';

/**
 * dialogue-start reads the settings the three dialogue functions share: store, events, AI, player auth and
 * limits (each one's meaning is on `DialogueConfigSchema`).
 */
export const ConfigSchema = DialogueConfigSchema;
export type Config = z.infer<typeof ConfigSchema>;
