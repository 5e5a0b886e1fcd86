import type { z } from 'zod';
import { subscriberConfigSchema } from '@parley/shared';

export const ConfigSchema = subscriberConfigSchema('parley.dialogue-analytics');
export type Config = z.infer<typeof ConfigSchema>;
