// The public surface of Parley's shared library. Functions import from here only.

// ---- domain (pure: no I/O, no env, no clock) ----
export * from './domain/character';
export * from './domain/dialogue';
export * from './domain/errors';
export * from './domain/events';
export * from './domain/ai-tasks';
export * from './domain/transitions';
export * from './domain/dialogue-rules';
export { readPlayerLine, offensesOf, type LineReading } from './domain/player-line';
export * from './domain/requests';

// ---- ports ----
export type { DialogueStore, CommitResult } from './ports/dialogue-store';
export type { EventPublisher, EventHandler } from './ports/event-publisher';
export type { AiClient, AiCallOptions, AiStreamEvent } from './ports/ai-client';
export type { CharacterCatalog } from './ports/character-catalog';

// ---- adapters: catalog ----
export { loadCharacterCatalog, InMemoryCharacterCatalog } from './adapters/file/file-character-catalog';

// ---- adapters: stores ----
export { InMemoryDialogueStore } from './adapters/memory/memory-dialogue-store';
export { RedisDialogueStore, type RedisDialogueStoreOptions } from './adapters/redis/redis-dialogue-store';
export { dialogueKeys, type DialogueKeys } from './adapters/redis/dialogue-keys';

// ---- adapters: events ----
export { encodeAmqpMessage, decodeAmqpMessage, type EncodedAmqpMessage, type AmqpPublishOptions, type IncomingAmqpMessage } from './adapters/amqp/amqp-message';
export { AmqpEventPublisher, type AmqpConnect } from './adapters/amqp/amqp-event-publisher';
export { consumeEvents, type ConsumeEventsOptions } from './adapters/amqp/amqp-event-consumer';
export { HttpSinkEventPublisher, type HttpSinkOptions } from './adapters/cloudevents-http/http-sink-event-publisher';
export { InProcessEventBus } from './adapters/memory/in-process-event-bus';
export { parseCloudEventRequest, type IncomingHeaders } from './adapters/cloudevents-http/cloudevent-http-binding';

// ---- adapters: ai ----
export type { AiProvider, ProviderCallOptions, TextChunk, StructuredTaskName } from './ports/ai-provider';
export { ruleBasedAppraisal, strategyEffect, type AppraiseInput, type StrategyEffect } from './domain/rule-appraisal';
export { mulberry32, seedFromText, scriptedReply, scriptedOptions, scriptedSummary, scriptedText } from './domain/scripted-lines';
export { ScriptedProvider, wordChunks } from './adapters/ai/scripted-provider';
export { buildMessages, estimateTokens, type ChatMessage } from './adapters/ai/prompts';
export { OpenAiProvider, type OpenAiProviderOptions } from './adapters/ai/openai-provider';
export { createAiProvider, createAiProviders, aiProviderChain, aiProviderKind, DEFAULT_OPENAI_MODEL, type AiProviderConfig } from './adapters/ai/provider-from-config';
export { AiGateway, taskSpec } from './ai-gateway/ai-gateway';
export { HttpAiClient, readSseFrames } from './adapters/ai/http-ai-client';

// ---- http kit and config ----
export { createHttpApp, DEFAULT_BODY_LIMIT, type ReadinessChecks } from './http/create-app';
export { errorMiddleware, toParleyError } from './http/error-middleware';
export { createLogger } from './observability/logger';
export type { Logger } from './ports/logger';
export { openSse, wantsEventStream, abortOnClientGone, type SseWriter } from './http/sse';
export { serve } from './http/serve';
export { parseInput } from './domain/parse-input';
export { readConfig, ConfigError, CommonConfigSchema, optionalUrl, portVar, type CommonConfig } from './config';

// ---- analytics ----
export * from './domain/analytics';
export type { AnalyticsStore } from './ports/analytics-store';
export type { SeenEvents } from './ports/seen-events';
export { MemoryAnalyticsStore } from './adapters/memory/memory-analytics-store';
export { RedisAnalyticsStore, analyticsKeys } from './adapters/redis/redis-analytics-store';
export { MemorySeenEvents, BoundedIdSet } from './adapters/memory/memory-seen-events';
export { RedisSeenEvents } from './adapters/redis/redis-seen-events';
export { cloudEventRoute } from './http/cloudevent-route';
