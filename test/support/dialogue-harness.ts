import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import {
  CharacterMemory,
  DEFAULT_MEMORY_LIMITS,
  eventSource,
  type AiClient,
  type DialogueDeps,
  type DialogueStore,
  type MemoryLimits,
  type MemoryStore,
  type ParleyEvent,
} from '@parley/shared';
import {
  createLogger,
  estimateTokens,
  ExpirySweeper,
  loadCharacterCatalog,
  ScriptedProvider,
  AiGateway,
  OutboxRelay,
} from '@parley/shared/composition';
import { InMemoryDialogueStore, InMemoryMemoryStore, InProcessEventBus } from '@parley/shared/testing';
import { headerAuthenticator, type PlayerAccess } from '@parley/shared/http';
import { createApp as startApp } from '../../functions/dialogue-start/app';
import { createApp as messageApp } from '../../functions/dialogue-message/app';
import { createApp as endApp } from '../../functions/dialogue-end/app';
import { listen } from './http';

export const CHARACTERS_DIR = `${__dirname}/../../content/characters`;

/**
 * The three dialogue functions as real express apps on loopback ports, sharing one store and one
 * in-process bus whose events the test can read. The AI is the real gateway with the scripted
 * provider unless the test passes another AiClient.
 */
export async function startDialogueFunctions(
  options: {
    store?: DialogueStore;
    ai?: AiClient;
    chunkDelayMs?: number;
    turnLockMs?: number;
    access?: PlayerAccess;
    maxActiveDialogues?: number;
    /** Where characters keep what they know of players (in memory unless given). */
    memoryStore?: MemoryStore;
    memoryLimits?: Partial<MemoryLimits>;
    contextTokens?: number;
    gameServiceToken?: string;
  } = {},
) {
  const logger = createLogger('test', 'silent');
  const store = options.store ?? new InMemoryDialogueStore({ ttlSeconds: 3600 });
  const bus = new InProcessEventBus();
  const events: ParleyEvent[] = [];
  bus.subscribe(async (event) => {
    events.push(event);
  });
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const ai =
    options.ai ??
    new AiGateway({
      provider: new ScriptedProvider({ chunkDelayMs }),
      fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
      publisher: bus,
      source: eventSource('ai-generate'),
      logger,
    });
  const relay = new OutboxRelay({ store, publisher: bus, logger });
  const memoryStore = options.memoryStore ?? new InMemoryMemoryStore();
  const memoryRelay = new OutboxRelay({
    store: {
      outboxDialogues: (n) => memoryStore.outboxPlayers(n),
      pendingEvents: (p, n) => memoryStore.pendingEvents(p, n),
      ackOutbox: (p, ids) => memoryStore.ackOutbox(p, ids),
    },
    publisher: bus,
    logger,
  });
  const memory = (functionName: string) =>
    new CharacterMemory({
      store: memoryStore,
      limits: { ...DEFAULT_MEMORY_LIMITS, ...options.memoryLimits },
      contextTokens: options.contextTokens ?? 4096,
      countTokens: estimateTokens,
      source: eventSource(functionName),
      now: () => new Date(),
      newId: randomUUID,
      relay: memoryRelay,
    });
  const deps = (functionName: string): DialogueDeps => ({
    store,
    ai,
    catalog: loadCharacterCatalog(CHARACTERS_DIR),
    relay,
    source: eventSource(functionName),
    now: () => new Date(),
    newId: randomUUID,
    turnLockMs: options.turnLockMs ?? 10_000,
    maxActiveDialogues: options.maxActiveDialogues,
    memory: memory(functionName),
  });
  const readiness = { store: () => store.ping() };
  // AUTH_MODE=none (X-Player-Id) unless the test passes its own access: tests that are not about auth name players freely.
  const access = options.access ?? { auth: headerAuthenticator() };
  const apps: Record<'start' | 'message' | 'end', Express> = {
    start: startApp(deps('dialogue-start'), { logger, readiness, access, gameServiceToken: options.gameServiceToken }),
    message: messageApp(deps('dialogue-message'), { logger, readiness, access }),
    end: endApp(deps('dialogue-end'), { logger, readiness, access }),
  };
  const servers = {
    start: await listen(apps.start),
    message: await listen(apps.message),
    end: await listen(apps.end),
  };
  return {
    store,
    memoryStore,
    /** The sweeper a function runs, on this harness's stores (call `sweep()` to expire idle dialogues now). */
    sweeper: () =>
      new ExpirySweeper({
        store,
        catalog: loadCharacterCatalog(CHARACTERS_DIR),
        relay,
        memory: memory('dialogue-message'),
        logger,
        source: eventSource('dialogue-message'),
        now: () => new Date(),
      }),
    events,
    bus,
    urls: { start: servers.start.url, message: servers.message.url, end: servers.end.url },
    dialogueEvents: () => events.filter((e) => e.type !== 'analytics.logging'),
    async close() {
      await Promise.all(Object.values(servers).map((s) => s.close()));
    },
  };
}
