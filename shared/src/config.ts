import { z } from 'zod';
import { HUGGING_FACE_ENDPOINT, parseModelSource } from './adapters/ai/model-source';
import type { RedisAddress, RedisTarget } from './adapters/redis/connection';

export class ConfigError extends Error {}

/**
 * Read configuration once, from the environment, through a zod schema. A bad value stops start-up
 * with one line naming the variable.
 */
export function readConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) {
    // The Redis mode spans several variables: checked once they are each valid.
    if ('REDIS_URL' in schema.shape) redisTargetFromConfig(parsed.data as Partial<RedisConfig>);
    return parsed.data;
  }
  const issue = parsed.error.issues[0]!;
  throw new ConfigError(`invalid configuration: ${String(issue.path[0] ?? '')}: ${issue.message}`);
}

/** Empty strings count as unset (compose and Knative often pass `VAR=`). */
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
export const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());
export const portVar = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** `host:port,host:port`: cluster seed nodes or Sentinels. */
const addressList = z.preprocess(
  (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.split(',').map((a) => a.trim())) : v),
  z
    .array(
      z
        .string()
        .regex(/^[^\s:,]+:\d{1,5}$/, 'each entry is host:port')
        .transform((a): RedisAddress => {
          const at = a.lastIndexOf(':');
          return { host: a.slice(0, at), port: Number(a.slice(at + 1)) };
        }),
    )
    .min(1)
    .optional(),
);

/**
 * Where Redis is (docs/configuration.md, docs/operations.md): at most one of REDIS_URL (one node),
 * REDIS_CLUSTER_NODES (Redis Cluster) and REDIS_SENTINELS (+ REDIS_SENTINEL_NAME); none keeps state in memory.
 */
export const RedisConfigSchema = z.object({
  REDIS_URL: optionalUrl,
  /** Seed nodes of a Redis Cluster (or a managed cluster-mode configuration endpoint). */
  REDIS_CLUSTER_NODES: addressList,
  /** Sentinels that follow the primary named REDIS_SENTINEL_NAME. */
  REDIS_SENTINELS: addressList,
  REDIS_SENTINEL_NAME: optionalString,
  /** ACL user and password of the data nodes (a REDIS_URL may carry its own). */
  REDIS_USERNAME: optionalString,
  REDIS_PASSWORD: optionalString,
  /** The Sentinels' own password, when they have one. */
  REDIS_SENTINEL_PASSWORD: optionalString,
  /** TLS to the cluster nodes or to Sentinels and primary; a single node uses a `rediss://` URL. */
  REDIS_TLS: z.enum(['true', 'false']).default('false'),
  /** PEM file of the CA that signed the servers' certificates (default: the system's CAs). */
  REDIS_TLS_CA_FILE: optionalString,
  /** Name the certificates are checked against; default: a cluster's first seed host when it is a name. */
  REDIS_TLS_SERVERNAME: optionalString,
  /** Replicas a dialogue write waits for (WAIT); default 1 with a cluster or Sentinel, 0 on a single node. */
  REDIS_WAIT_REPLICAS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(0).max(16).optional(),
  ),
  /** How long a write waits for them; longer, it fails as StoreUnavailable (503, retryable). */
  REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(1000),
});
export type RedisConfig = z.infer<typeof RedisConfigSchema>;

/**
 * The Redis connection the settings describe, or `undefined` when none is set (state in memory).
 * Throws `ConfigError` naming the variable when the mode is ambiguous or incomplete: more than one
 * of REDIS_URL / REDIS_CLUSTER_NODES / REDIS_SENTINELS, Sentinels without REDIS_SENTINEL_NAME (or
 * the reverse), REDIS_TLS on a single node (use `rediss://`), a wait longer than a command may take.
 */
export function redisTargetFromConfig(config: Partial<RedisConfig>): RedisTarget | undefined {
  const fail = (variable: string, message: string): never => {
    throw new ConfigError(`invalid configuration: ${variable}: ${message}`);
  };
  const modes = [
    config.REDIS_URL && 'REDIS_URL',
    config.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES',
    config.REDIS_SENTINELS && 'REDIS_SENTINELS',
  ].filter((m): m is string => Boolean(m));
  if (modes.length > 1) fail(modes[1]!, `set one Redis mode, not ${modes.join(' and ')}`);
  if (config.REDIS_SENTINEL_NAME && !config.REDIS_SENTINELS)
    fail('REDIS_SENTINEL_NAME', 'only means something with REDIS_SENTINELS');
  if (config.REDIS_SENTINELS && !config.REDIS_SENTINEL_NAME)
    fail('REDIS_SENTINEL_NAME', 'required with REDIS_SENTINELS (the name the Sentinels monitor, e.g. mymaster)');
  if (config.REDIS_URL && config.REDIS_TLS === 'true')
    fail('REDIS_TLS', 'for a single node, use a rediss:// REDIS_URL');
  if ((config.REDIS_WAIT_TIMEOUT_MS ?? 0) >= 2000)
    fail('REDIS_WAIT_TIMEOUT_MS', 'must stay below the 2000 ms command timeout');
  const common = {
    username: config.REDIS_USERNAME,
    password: config.REDIS_PASSWORD,
    waitReplicas: config.REDIS_WAIT_REPLICAS,
    waitTimeoutMs: config.REDIS_WAIT_TIMEOUT_MS,
    ...(config.REDIS_TLS === 'true'
      ? { tls: { ca: config.REDIS_TLS_CA_FILE, servername: config.REDIS_TLS_SERVERNAME } }
      : {}),
  };
  if (config.REDIS_URL) return { mode: 'single', url: config.REDIS_URL, ...common };
  if (config.REDIS_CLUSTER_NODES) return { mode: 'cluster', nodes: config.REDIS_CLUSTER_NODES, ...common };
  if (config.REDIS_SENTINELS)
    return {
      mode: 'sentinel',
      sentinels: config.REDIS_SENTINELS,
      name: config.REDIS_SENTINEL_NAME!,
      sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
      ...common,
    };
  return undefined;
}

export const AI_PROVIDER_NAMES = ['openai', 'scripted', 'llama'] as const;
export type AiProviderName = (typeof AI_PROVIDER_NAMES)[number];

/** Settings every function reads. */
export const CommonConfigSchema = z.object({
  PORT: portVar(8080),
  ...RedisConfigSchema.shape,
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[a-z0-9:_-]*$/)
    .default('parley:'),
  /**
   * Buckets of the Redis key layout (each its own cluster hash tag, walked by the relay and the sweeper).
   * Fixed once data exists: a store refuses to start with another count (docs/configuration.md).
   */
  REDIS_INDEX_SHARDS: z.coerce.number().int().min(1).max(4096).default(64),
  AMQP_URL: optionalUrl,
  AMQP_EXCHANGE: z.string().min(1).default('parley.events'),
  K_SINK: optionalUrl,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DIALOGUE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600)
    .default(3600),
  CHARACTERS_DIR: z.string().default('content/characters'),
  /** `true` under npm run dev: follow CHARACTERS_DIR and reload it on change (a broken file keeps the last good catalog). */
  CHARACTERS_RELOAD: z.enum(['true', 'false']).default('false'),
  AI_URL: optionalUrl,
  /** Keep-alive connections a dialogue function holds to ai-generate at AI_URL at most (more calls wait for one). */
  AI_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(16),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  AI_MODEL: optionalString,
  /**
   * One provider, or a fallback chain tried in order when one is down (`openai,scripted`).
   * Unset: `openai` when OPENAI_API_KEY or OPENAI_BASE_URL is set, else `scripted` (docs/configuration.md).
   */
  AI_PROVIDER: z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.split(',').map((name) => name.trim())) : v),
    z
      .array(z.enum(AI_PROVIDER_NAMES))
      .min(1)
      .refine((names) => new Set(names).size === names.length, 'a provider may appear once in the chain')
      .optional(),
  ),
  /** Idle timeout: an AI call with no new token (reasoning included) for this long fails. */
  AI_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** The openai provider's context window in tokens: prompts are fitted into it (the llama provider knows its own). */
  AI_CONTEXT_TOKENS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(512).max(10_000_000).optional(),
  ),
  /** The whole AI call (retries, waits and reasoning included) ends by then; default 4 x AI_TIMEOUT_MS. */
  AI_CALL_DEADLINE_MS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(100).max(1_800_000).optional(),
  ),
  /** AI_PROVIDER=llama: a GGUF model run in this process by llama.cpp (docs/local-models.md). */
  LLAMA_MODEL_PATH: optionalString,
  /**
   * The same, or a model to download once into LLAMA_MODEL_DIR: `hf:<user>/<repo>/<file>.gguf[#revision]`
   * or an http(s) URL of a .gguf file. Wins over LLAMA_MODEL_PATH when both are set.
   */
  LLAMA_MODEL: optionalString.superRefine((value, ctx) => {
    if (value === undefined) return;
    try {
      parseModelSource(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }),
  /** Where downloaded models are kept (resumable `.part` files included). */
  LLAMA_MODEL_DIR: z.string().min(1).default('models'),
  /** The Hugging Face endpoint `hf:` URIs resolve against (a mirror; tests use a loopback server). */
  HF_ENDPOINT: z.url({ protocol: /^https?$/ }).default(HUGGING_FACE_ENDPOINT),
  /** Default: the cores available minus one, left to the event loop. */
  LLAMA_THREADS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(256).optional()),
  LLAMA_CONTEXT_SIZE: z.coerce.number().int().min(256).max(131_072).default(4096),
  LLAMA_GPU: z.enum(['auto', 'false']).default('auto'),
  /** Requests generating at once (context sequences); more wait in a queue of LLAMA_QUEUE_LIMIT, then 503. */
  LLAMA_PARALLEL: z.coerce.number().int().min(1).max(64).default(2),
  LLAMA_QUEUE_LIMIT: z.coerce.number().int().min(0).max(10_000).default(8),
  /** Longest reply in tokens. */
  LLAMA_MAX_TOKENS: z.coerce.number().int().min(1).max(4096).default(256),
});
export type CommonConfig = z.infer<typeof CommonConfigSchema>;

const optionalToken = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16).optional());
const perMinute = (fallback: number) => z.coerce.number().int().min(0).max(1_000_000).default(fallback);

/** Who may call the player routes, and how much (docs/security.md). */
export const AuthConfigSchema = z.object({
  /** jwt unless `none` is written out: a forgotten variable must not open the service. */
  AUTH_MODE: z.enum(['jwt', 'none']).default('jwt'),
  /** HS256 shared secret, at least 32 characters. */
  AUTH_JWT_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32).optional()),
  /** The game's identity service keys (asymmetric algorithms only). */
  AUTH_JWKS_URL: optionalUrl,
  AUTH_ISSUER: optionalString,
  AUTH_AUDIENCE: optionalString,
  /** Requests per player and per address per minute on the player routes; 0 switches the limit off. */
  RATE_LIMIT_PLAYER_PER_MINUTE: perMinute(120),
  RATE_LIMIT_ADDRESS_PER_MINUTE: perMinute(600),
});
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

/** What characters remember of players (docs/memory.md). */
export const MemoryConfigSchema = z.object({
  /** Memories kept per player x character; the least important unpinned one leaves when full. */
  MEMORY_MAX_PER_CHARACTER: z.coerce.number().int().min(1).max(1000).default(50),
  /** Unpinned memories neither written nor recalled for this many days are forgotten; 0 keeps them. */
  MEMORY_TTL_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  /** Opinion points per day a relationship drifts back toward the character's baseline; 0 switches it off. */
  MEMORY_OPINION_DRIFT_PER_DAY: z.coerce.number().min(0).max(200).default(0),
  /** The game server's token for the memory routes under /v1/players; unset: those routes answer 401. */
  GAME_SERVICE_TOKEN: optionalToken,
});

/** Settings of the three dialogue functions (and of `npm start`). */
export const DialogueConfigSchema = CommonConfigSchema.extend({
  ...AuthConfigSchema.shape,
  /** Sent as `Authorization: Bearer` to ai-generate at AI_URL (it must hold the same token). */
  AI_SERVICE_TOKEN: optionalToken,
  /**
   * Lifetime of a turn lock; renewed while its turn runs (every third of it, at most every 1.5 s), so
   * a lock orphaned by a crashed pod or a Redis restart frees itself within it. At most 5 s.
   */
  TURN_LOCK_MS: z.coerce.number().int().min(1000).max(5_000).default(5_000),
  /** Live dialogues one player may hold at once (429 TooManyDialogues beyond); 0 switches the cap off. */
  MAX_ACTIVE_DIALOGUES: z.coerce.number().int().min(0).max(10_000).default(20),
  OUTBOX_RELAY_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
  /** Pause between the scripted provider's chunks; 0 is the instant mode the benchmark uses. */
  SCRIPTED_CHUNK_DELAY_MS: z.coerce.number().int().min(0).max(5000).optional(),
  ...MemoryConfigSchema.shape,
});
export type DialogueConfig = z.infer<typeof DialogueConfigSchema>;

/** Settings of a CloudEvent subscriber; each names its own default queue. */
export function subscriberConfigSchema(defaultQueue: string) {
  return CommonConfigSchema.pick({
    PORT: true,
    ...(Object.fromEntries(Object.keys(RedisConfigSchema.shape).map((k) => [k, true])) as {
      [K in keyof RedisConfig]: true;
    }),
    REDIS_KEY_PREFIX: true,
    AMQP_URL: true,
    AMQP_EXCHANGE: true,
    LOG_LEVEL: true,
  }).extend({
    /** The durable queue this subscriber consumes when AMQP_URL is set (outside Knative). */
    AMQP_QUEUE: z.string().min(1).default(defaultQueue),
    /** Exchange and queue (same name) that keep the messages this subscriber cannot read. */
    AMQP_DEAD_LETTER: z.string().min(1).default('parley.dead-letter'),
    /** When set, `POST /` and the reports require `Authorization: Bearer <token>` (docs/security.md). */
    SUBSCRIBER_TOKEN: optionalToken,
  });
}
export type SubscriberConfig = z.infer<ReturnType<typeof subscriberConfigSchema>>;
