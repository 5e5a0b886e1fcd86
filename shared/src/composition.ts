/**
 * `@parley/shared/composition`: what a composition root (a function's `main.ts` / `runtime.ts`,
 * `npm start`, the bench) needs to build the process: run-main and the dialogue runtime, logging,
 * tracing and metrics, and the adapters of every port (Redis, in-memory, AMQP, CloudEvents over
 * HTTP, AI providers and gateway, the character files). Use cases and apps take ports instead.
 */

// ---- runtimes and process ----
export { runMain } from './composition/run-main';
export {
  brokerReadiness,
  createAiClient,
  createAiGateway,
  createDialogueRuntime,
  createEventOutbox,
  createEventPublisher,
  createPlayerAccess,
  type DialogueRuntimeConfig,
  startSubscriber,
} from './composition/runtime';
export { ExpirySweeper, sweepIntervalMs } from './services/expiry-sweeper';
export { OutboxRelay } from './services/outbox-relay';
export { BufferedEventPublisher } from './services/buffered-event-publisher';
export { RedisEventBuffer } from './adapters/redis/redis-event-buffer';
export { MemoryEventBuffer } from './adapters/memory/memory-event-buffer';
export { AiGateway, taskSpec } from './ai-gateway/ai-gateway';

// ---- observability ----
export { createLogger } from './observability/logger';
export { otlpExportWanted, startTracing, tracer } from './observability/tracing';
export { processMetrics, PromMetrics } from './adapters/prometheus/prom-metrics';

// ---- adapters: Redis ----
export {
  afterWrite,
  closeRedis,
  connectRedis,
  pingRedis,
  type RedisAddress,
  type RedisClient,
  type RedisConnectionOptions,
  type RedisTarget,
  ReplicaAckTimeout,
} from './adapters/redis/connection';
export { RedisDialogueStore, type RedisDialogueStoreOptions } from './adapters/redis/redis-dialogue-store';
export { analyticsKeys, RedisAnalyticsStore } from './adapters/redis/redis-analytics-store';
export { RedisSeenEvents } from './adapters/redis/redis-seen-events';
export { dialogueKeys, type DialogueKeys } from './adapters/redis/dialogue-keys';
export { RedisMemoryStore, type RedisMemoryStoreOptions } from './adapters/redis/redis-memory-store';
export { memoryKeys, type MemoryKeys, playerTag } from './adapters/redis/memory-keys';
export { FlexibleRateLimiter, type RateLimitOptions } from './adapters/redis/flexible-rate-limiter';

// ---- adapters: in this process ----
export { InMemoryDialogueStore } from './adapters/memory/memory-dialogue-store';
export { InMemoryMemoryStore } from './adapters/memory/memory-memory-store';
export { MemoryAnalyticsStore } from './adapters/memory/memory-analytics-store';
export { BoundedIdSet, MemorySeenEvents } from './adapters/memory/memory-seen-events';
export { InProcessEventBus } from './adapters/memory/in-process-event-bus';
export {
  CatalogError,
  InMemoryCharacterCatalog,
  ReloadingCharacterCatalog,
  loadCharacterCatalog,
} from './adapters/file/file-character-catalog';

// ---- adapters: events over AMQP and CloudEvents HTTP ----
export {
  consumeEvents,
  type ConsumeEventsOptions,
  DEAD_LETTER_HEADERS,
  DEFAULT_DEAD_LETTER,
} from './adapters/amqp/amqp-event-consumer';
export { type AmqpConnect, AmqpEventPublisher } from './adapters/amqp/amqp-event-publisher';
export {
  type AmqpPublishOptions,
  decodeAmqpMessage,
  encodeAmqpMessage,
  type EncodedAmqpMessage,
  type IncomingAmqpMessage,
} from './adapters/amqp/amqp-message';
export {
  encodeCloudEventHttp,
  type IncomingHeaders,
  parseCloudEventRequest,
} from './adapters/cloudevents-http/cloudevent-http-binding';
export { HttpSinkEventPublisher, type HttpSinkOptions } from './adapters/cloudevents-http/http-sink-event-publisher';

// ---- adapters: AI ----
export { buildMessages, type ChatMessage, estimateTokens } from './adapters/ai/prompts';
export {
  aiProviderChain,
  type AiProviderConfig,
  aiProviderKind,
  createAiProvider,
  createAiProviders,
  createLlamaProvider,
  DEFAULT_OPENAI_MODEL,
  type LlamaConfig,
} from './adapters/ai/provider-from-config';
export { ScriptedProvider, wordChunks } from './adapters/ai/scripted-provider';
// OpenAiProvider is built by createAiProviders, which loads the OpenAI SDK only when configured; the class
// itself is exported from `@parley/shared/testing` so that no bundle evaluates the SDK at start-up.
export type { OpenAiProviderOptions } from './adapters/ai/openai-provider';
export { LlamaProvider, type LlamaProviderOptions } from './adapters/ai/llama-provider';
export { type LlamaChatItem, toChatHistory, toCompletionPrompt } from './adapters/ai/llama-prompt';
export { availableCores, llamaThreads } from './adapters/ai/llama-threads';
export { ensureModelFile, progressReporter, type DownloadProgress } from './adapters/ai/model-download';
export { HUGGING_FACE_ENDPOINT, parseModelSource, type ModelSource } from './adapters/ai/model-source';
export { HttpAiClient } from './adapters/ai/http-ai-client';
