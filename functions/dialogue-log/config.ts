import { z } from 'zod';
import { CommonConfigSchema } from '../../shared/src';

export const ConfigSchema = CommonConfigSchema.pick({
  PORT: true,
  REDIS_URL: true,
  REDIS_KEY_PREFIX: true,
  AMQP_URL: true,
  AMQP_EXCHANGE: true,
  LOG_LEVEL: true,
}).extend({
  /** The durable queue this subscriber consumes when AMQP_URL is set (outside Knative). */
  AMQP_QUEUE: z.string().min(1).default('parley.dialogue-log'),
});
export type Config = z.infer<typeof ConfigSchema>;
