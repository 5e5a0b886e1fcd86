import type { z } from 'zod';
import { subscriberConfigSchema } from '../../shared/src/config';

export const ConfigSchema = subscriberConfigSchema('parley.dialogue-analytics');
export type Config = z.infer<typeof ConfigSchema>;
