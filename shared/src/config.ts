import { z } from 'zod';

export class ConfigError extends Error {}

/**
 * Read configuration once, from the environment, through a zod schema. A bad value stops start-up
 * with one line naming the variable.
 */
export function readConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ConfigError(`invalid configuration: ${String(issue.path[0] ?? '')}: ${issue.message}`);
}

/** Empty strings count as unset (compose and Knative often pass `VAR=`). */
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
export const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());
export const portVar = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** Settings every function reads. */
export const CommonConfigSchema = z.object({
  PORT: portVar(8080),
  REDIS_URL: optionalUrl,
  REDIS_KEY_PREFIX: z.string().regex(/^[a-z0-9:_-]*$/).default('parley:'),
  AMQP_URL: optionalUrl,
  AMQP_EXCHANGE: z.string().min(1).default('parley.events'),
  K_SINK: optionalUrl,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DIALOGUE_TTL_SECONDS: z.coerce.number().int().min(60).max(30 * 24 * 3600).default(3600),
  CHARACTERS_DIR: z.string().default('content/characters'),
  AI_URL: optionalUrl,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  AI_MODEL: optionalString,
  AI_PROVIDER: z.enum(['openai', 'scripted']).optional(),
  AI_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
});
export type CommonConfig = z.infer<typeof CommonConfigSchema>;

/** Settings of the three dialogue functions (and of `npm start`). */
export const DialogueConfigSchema = CommonConfigSchema.extend({
  /** A turn holds its dialogue at most this long; a crashed pod's lock frees itself after it. */
  TURN_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(60_000),
  OUTBOX_RELAY_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
  /** Pause between the scripted provider's chunks; 0 is the instant mode the benchmark uses. */
  SCRIPTED_CHUNK_DELAY_MS: z.coerce.number().int().min(0).max(5000).optional(),
});
export type DialogueConfig = z.infer<typeof DialogueConfigSchema>;

/** Settings of a CloudEvent subscriber; each names its own default queue. */
export function subscriberConfigSchema(defaultQueue: string) {
  return CommonConfigSchema.pick({
    PORT: true,
    REDIS_URL: true,
    REDIS_KEY_PREFIX: true,
    AMQP_URL: true,
    AMQP_EXCHANGE: true,
    LOG_LEVEL: true,
  }).extend({
    /** The durable queue this subscriber consumes when AMQP_URL is set (outside Knative). */
    AMQP_QUEUE: z.string().min(1).default(defaultQueue),
  });
}
