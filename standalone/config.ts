import type { z } from 'zod';
import { AuthConfigSchema, DialogueConfigSchema } from '@parley/shared';

/**
 * `npm start` reads the dialogue functions' settings. It is local play, so there is no authentication
 * unless AUTH_MODE says otherwise (the deployed functions default to jwt).
 */
export const ConfigSchema = DialogueConfigSchema.extend({
  AUTH_MODE: AuthConfigSchema.shape.AUTH_MODE.unwrap().default('none'),
});
export type Config = z.infer<typeof ConfigSchema>;
