import { randomUUID } from 'node:crypto';
import {
  redisTargetFromConfig,
  type AuthConfig,
  type CommonConfig,
  type DialogueConfig,
  type RedisConfig,
  type SubscriberConfig,
} from '../config';
import { eventSource } from '../domain/events';
import { StoreUnavailable } from '../domain/errors';
import { ReloadingCharacterCatalog, loadCharacterCatalog } from '../adapters/file/file-character-catalog';
import { InMemoryDialogueStore } from '../adapters/memory/memory-dialogue-store';
import { RedisDialogueStore } from '../adapters/redis/redis-dialogue-store';
import { AmqpEventPublisher } from '../adapters/amqp/amqp-event-publisher';
import { HttpSinkEventPublisher } from '../adapters/cloudevents-http/http-sink-event-publisher';
import { InProcessEventBus } from '../adapters/memory/in-process-event-bus';
import { HttpAiClient } from '../adapters/ai/http-ai-client';
import { aiProviderKind, createAiProviders } from '../adapters/ai/provider-from-config';
import { ScriptedProvider } from '../adapters/ai/scripted-provider';
import { AiGateway } from '../ai-gateway/ai-gateway';
import { processMetrics } from '../adapters/prometheus/prom-metrics';
import type { Logger } from '../ports/logger';
import type { ReadinessChecks } from '../http/create-app';
import type { AiClient } from '../ports/ai-client';
import type { EventHandler, EventPublisher } from '../ports/event-publisher';
import { consumeEvents } from '../adapters/amqp/amqp-event-consumer';
import { OutboxRelay } from '../services/outbox-relay';
import { BufferedEventPublisher } from '../services/buffered-event-publisher';
import { RedisEventBuffer } from '../adapters/redis/redis-event-buffer';
import { MemoryEventBuffer } from '../adapters/memory/memory-event-buffer';
import { ExpirySweeper, sweepIntervalMs } from '../services/expiry-sweeper';
import { FlexibleRateLimiter } from '../adapters/redis/flexible-rate-limiter';
import { closeRedis } from '../adapters/redis/connection';
import { authenticatorFromConfig } from '../http/auth';
import type { PlayerAccess } from '../http/player-guard';
import type { RateLimiter } from '../ports/rate-limiter';
import type { DialogueDeps } from '../services/dialogue-access';
import { CharacterMemory } from '../services/character-memory';
import { DEFAULT_MEMORY_CONTEXT_TOKENS } from '../domain/memory';
import { InMemoryMemoryStore } from '../adapters/memory/memory-memory-store';
import { RedisMemoryStore } from '../adapters/redis/redis-memory-store';
import { estimateTokens } from '../adapters/ai/prompts';

/**
 * Where events go, from configuration: RabbitMQ when AMQP_URL is set, the Knative broker when a
 * SinkBinding set K_SINK, else an in-process bus (the single `npm start` process).
 */
export async function createEventPublisher(config: CommonConfig, logger: Logger): Promise<EventPublisher> {
  if (config.AMQP_URL) return AmqpEventPublisher.lazy(config.AMQP_URL, { exchange: config.AMQP_EXCHANGE, logger });
  if (config.K_SINK) {
    return new HttpSinkEventPublisher({ sink: config.K_SINK, ceOverrides: process.env.K_CE_OVERRIDES });
  }
  return new InProcessEventBus();
}

/**
 * The readiness check of a broker behind an outbox: a broker that does not answer is reported as
 * `degraded: ...` (the pod stays ready: events wait in the outbox and go out when it is back), never
 * as a failure, so an outage does not pull every replica.
 */
export function brokerReadiness(publisher: EventPublisher): () => Promise<string> {
  return () =>
    publisher.ping().then(
      () => 'ok',
      (err: unknown) => `degraded: ${err instanceof Error ? err.message : String(err)}; events wait in the outbox`,
    );
}

/**
 * The outbox of events that belong to no dialogue (AI-call analytics): a Redis list
 * `<REDIS_KEY_PREFIX>outbox:<name>` when Redis is configured (durable, walked by every replica's relay),
 * else a bounded in-memory buffer (lost on restart). While Redis is down, events wait in memory.
 * The relay runs every OUTBOX_RELAY_INTERVAL_MS and after each publish; `target` stays the caller's.
 */
export function createEventOutbox(
  config: Partial<RedisConfig> & Pick<CommonConfig, 'REDIS_KEY_PREFIX'> & { OUTBOX_RELAY_INTERVAL_MS: number },
  target: EventPublisher,
  logger: Logger,
  name: string,
): BufferedEventPublisher {
  const redis = redisTargetFromConfig(config);
  const buffer = redis
    ? RedisEventBuffer.connect(redis, { keyPrefix: config.REDIS_KEY_PREFIX, name })
    : new MemoryEventBuffer();
  const outbox = new BufferedEventPublisher({ buffer, fallback: new MemoryEventBuffer(), target, logger });
  outbox.start(config.OUTBOX_RELAY_INTERVAL_MS);
  return outbox;
}

/**
 * The AI gateway service from configuration: the provider chain AI_PROVIDER names (a failed call goes to
 * the next), the scripted provider as the last fallback, one `analytics.logging` event per call to
 * `publisher` when there is one. ai-generate serves it; a dialogue function without AI_URL calls it in-process.
 * Throws `ConfigError` when a provider's settings are missing (an OpenAI chain without key or base URL).
 */
export function createAiGateway(
  config: CommonConfig & { SCRIPTED_CHUNK_DELAY_MS?: number | undefined },
  options: { publisher?: EventPublisher | undefined; logger: Logger },
): AiGateway {
  const { logger, publisher } = options;
  const chunkDelayMs = config.SCRIPTED_CHUNK_DELAY_MS;
  const scripted = chunkDelayMs === undefined ? {} : { chunkDelayMs };
  return new AiGateway({
    provider: createAiProviders(config, { logger, ...scripted }),
    fallback: new ScriptedProvider(scripted),
    ...(publisher ? { publisher } : {}),
    metrics: processMetrics(),
    source: eventSource('ai-generate'),
    logger,
  });
}

/** The AI gateway in this process (`createAiGateway`), or the ai-generate function at AI_URL. */
export function createAiClient(
  config: CommonConfig & { SCRIPTED_CHUNK_DELAY_MS?: number | undefined; AI_SERVICE_TOKEN?: string | undefined },
  publisher: EventPublisher | undefined,
  logger: Logger,
): AiClient {
  if (config.AI_URL) {
    return new HttpAiClient({
      baseUrl: config.AI_URL,
      timeoutMs: config.AI_TIMEOUT_MS,
      serviceToken: config.AI_SERVICE_TOKEN,
      maxConnections: config.AI_MAX_CONNECTIONS,
    });
  }
  return createAiGateway(config, { publisher, logger });
}

/**
 * The queue side of a subscriber function: with AMQP_URL, `handler` consumes AMQP_QUEUE (bound to
 * AMQP_EXCHANGE, unreadable messages to AMQP_DEAD_LETTER); without it, events arrive over HTTP only
 * (a Knative Trigger) and nothing is consumed. `store` is the subscriber's own: closed when the
 * consumer cannot start (the error is rethrown: start-up fails with nothing left open), and by
 * `close` once consuming has stopped, so no handler in flight loses it.
 */
export async function startSubscriber(
  config: Pick<SubscriberConfig, 'AMQP_URL' | 'AMQP_EXCHANGE' | 'AMQP_QUEUE' | 'AMQP_DEAD_LETTER'>,
  options: { handler: EventHandler; logger: Logger; store: { close(): Promise<void> } },
): Promise<{ close(): Promise<void> }> {
  const { handler, logger, store } = options;
  let consumer: { close(): Promise<void> } | null = null;
  try {
    if (config.AMQP_URL) {
      const queue = {
        url: config.AMQP_URL,
        exchange: config.AMQP_EXCHANGE,
        queue: config.AMQP_QUEUE,
        deadLetter: config.AMQP_DEAD_LETTER,
      };
      consumer = await consumeEvents({ ...queue, handler, logger });
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    async close() {
      await consumer?.close();
      await store.close();
    },
  };
}

export type DialogueRuntimeConfig = DialogueConfig;

/**
 * Authentication and the per-player / per-address limits of the player routes. The counters live in
 * Redis when Redis is configured (any mode), so every replica shares them.
 */
export function createPlayerAccess(
  config: AuthConfig & Partial<RedisConfig> & Pick<CommonConfig, 'REDIS_KEY_PREFIX'>,
  logger: Logger,
): { access: PlayerAccess; close(): Promise<void> } {
  const auth = authenticatorFromConfig(config, logger);
  const target = redisTargetFromConfig(config);
  const redis =
    target && (config.RATE_LIMIT_PLAYER_PER_MINUTE > 0 || config.RATE_LIMIT_ADDRESS_PER_MINUTE > 0)
      ? FlexibleRateLimiter.connectRedis(target)
      : null;
  const limit = (name: string, points: number): RateLimiter | undefined => {
    if (points === 0) return undefined;
    const options = { name, points, windowSeconds: 60 };
    return redis
      ? FlexibleRateLimiter.redis(redis, { ...options, keyPrefix: config.REDIS_KEY_PREFIX })
      : FlexibleRateLimiter.memory(options);
  };
  const perPlayer = limit('player', config.RATE_LIMIT_PLAYER_PER_MINUTE);
  const perAddress = limit('address', config.RATE_LIMIT_ADDRESS_PER_MINUTE);
  return {
    access: { auth, perPlayer, perAddress },
    async close() {
      if (!redis) return;
      await closeRedis(redis);
    },
  };
}

/**
 * Everything a dialogue function needs, built from configuration: catalog (validated now, so a bad
 * character stops start-up), store, publisher, AI client, and the outbox relay on its timer.
 */
export async function createDialogueRuntime(
  config: DialogueRuntimeConfig,
  options: { functionName: string; logger: Logger; publisher?: EventPublisher },
): Promise<{
  deps: DialogueDeps;
  memory: CharacterMemory;
  gameServiceToken: string | undefined;
  access: PlayerAccess;
  publisher: EventPublisher;
  readiness: ReadinessChecks;
  close(): Promise<void>;
}> {
  const { logger } = options;
  // Auth first: a jwt mode without a key stops start-up before anything connects.
  const player = createPlayerAccess(config, logger);
  const reloading =
    config.CHARACTERS_RELOAD === 'true' ? new ReloadingCharacterCatalog(config.CHARACTERS_DIR, logger).watch() : null;
  const catalog = reloading ?? loadCharacterCatalog(config.CHARACTERS_DIR);
  const redis = redisTargetFromConfig(config);
  const store = redis
    ? RedisDialogueStore.connect(redis, {
        keyPrefix: config.REDIS_KEY_PREFIX,
        ttlSeconds: config.DIALOGUE_TTL_SECONDS,
        indexShards: config.REDIS_INDEX_SHARDS,
      })
    : new InMemoryDialogueStore({ ttlSeconds: config.DIALOGUE_TTL_SECONDS });
  // Another bucket count than the data was written with stops start-up (a Redis not answering yet is
  // no reason to: every store call checks again before its first command).
  if (store instanceof RedisDialogueStore) {
    await store.checkIndexShards().catch(async (err: unknown) => {
      if (err instanceof StoreUnavailable) return;
      await store.close();
      throw err;
    });
  }
  const publisher = options.publisher ?? (await createEventPublisher(config, logger));
  // An in-process gateway's AI-call analytics belong to no dialogue: they get an outbox of their own.
  const brokered = !options.publisher && Boolean(config.AMQP_URL || config.K_SINK);
  const analytics =
    brokered && !config.AI_URL ? createEventOutbox(config, publisher, logger, options.functionName) : undefined;
  const ai = createAiClient(config, analytics ?? publisher, logger);
  const relay = new OutboxRelay({ store, publisher, logger, metrics: processMetrics() });
  relay.start(config.OUTBOX_RELAY_INTERVAL_MS);
  // Events left by a previous process (crash, broker outage) go out now.
  void relay.flushAll();
  const memoryStore = redis
    ? RedisMemoryStore.connect(redis, { keyPrefix: config.REDIS_KEY_PREFIX, indexShards: config.REDIS_INDEX_SHARDS })
    : new InMemoryMemoryStore();
  // character.memory events go through the player's outbox, relayed like the dialogues' own.
  const memoryRelay = new OutboxRelay({
    store: {
      outboxDialogues: (n) => memoryStore.outboxPlayers(n),
      pendingEvents: (p, n) => memoryStore.pendingEvents(p, n),
      ackOutbox: (p, ids) => memoryStore.ackOutbox(p, ids),
    },
    publisher,
    logger,
    metrics: processMetrics(),
  });
  memoryRelay.start(config.OUTBOX_RELAY_INTERVAL_MS);
  void memoryRelay.flushAll();
  const memory = new CharacterMemory({
    store: memoryStore,
    limits: {
      maxPerCharacter: config.MEMORY_MAX_PER_CHARACTER,
      ttlDays: config.MEMORY_TTL_DAYS,
      opinionDriftPerDay: config.MEMORY_OPINION_DRIFT_PER_DAY,
    },
    // Memory's share is of the model's window; unset (the window unknown), of a 4096-token prompt.
    contextTokens: config.AI_CONTEXT_TOKENS ?? DEFAULT_MEMORY_CONTEXT_TOKENS,
    countTokens: estimateTokens,
    source: eventSource(options.functionName),
    now: () => new Date(),
    newId: randomUUID,
    relay: memoryRelay,
  });
  const sweeper = new ExpirySweeper({
    store,
    catalog,
    relay,
    memory,
    logger,
    source: eventSource(options.functionName),
    now: () => new Date(),
  });
  sweeper.start(sweepIntervalMs(config.DIALOGUE_TTL_SECONDS));
  void sweeper.sweep();
  return {
    deps: {
      store,
      ai,
      catalog,
      relay,
      source: eventSource(options.functionName),
      now: () => new Date(),
      newId: randomUUID,
      turnLockMs: config.TURN_LOCK_MS,
      maxActiveDialogues: config.MAX_ACTIVE_DIALOGUES,
      metrics: processMetrics(),
      memory,
    },
    memory,
    gameServiceToken: config.GAME_SERVICE_TOKEN,
    access: player.access,
    publisher,
    readiness: {
      store: () => store.ping(),
      memory: () => memoryStore.ping(),
      // Turns go on while the broker is down (events wait in the outbox): reported, not fatal.
      events: brokerReadiness(publisher),
      // An in-process local model is this process's own dependency: not ready until it is loaded.
      // ai-generate at AI_URL is not checked: readiness never chains through another function's
      // (its outage is its own NotReady, and each AI call then answers 503 AiUnavailable).
      ...(!config.AI_URL && aiProviderKind(config) === 'llama' ? { ai: () => ai.ping() } : {}),
    },
    async close() {
      reloading?.close();
      relay.stop();
      memoryRelay.stop();
      await sweeper.stop();
      await relay.flushAll();
      if (ai instanceof AiGateway) await ai.drain();
      await analytics?.close();
      await memoryRelay.flushAll();
      await memoryStore.close();
      await publisher.close();
      await store.close();
      await player.close();
    },
  };
}
