/**
 * The Redis store contract suites (dialogue store with its expiry, seen events, analytics, memory) on a
 * client built by `connectRedis` for a real topology, the way production connects; each test its own
 * key prefix. The topology itself is the test file's (`redis-topology.ts`).
 */
import { randomUUID } from 'node:crypto';
import {
  closeRedis,
  connectRedis,
  RedisAnalyticsStore,
  RedisDialogueStore,
  RedisMemoryStore,
  RedisSeenEvents,
  type RedisClient,
  type RedisTarget,
} from '../../composition';
import { describeAnalyticsStoreContract } from './analytics-store.contract';
import { describeDialogueExpiryContract, describeDialogueStoreContract } from './dialogue-store.contract';
import { describeMemoryStoreContract } from './memory-store.contract';
import { describeSeenEventsContract } from './seen-events.contract';

export type ContractRuns = { dialogue: boolean; memory: boolean; seenEvents: boolean; analytics: boolean };

/** Declares the suites `runs` names; `target` is read when a test starts (after the file's beforeAll). */
export function describeRedisContracts(mode: string, target: () => RedisTarget, runs: ContractRuns): void {
  const prefix = () => `parley-contract:${randomUUID().slice(0, 8)}:`;
  // Stores that share the file's client leave it open; the suites that close their store get their own.
  let shared: RedisClient | undefined;
  const client = () => (shared ??= connectRedis(target()));
  afterAll(async () => {
    if (shared) await closeRedis(shared);
  });

  if (runs.dialogue) {
    describeDialogueStoreContract(`RedisDialogueStore on ${mode}`, async () => {
      const store = new RedisDialogueStore({ redis: client(), keyPrefix: prefix(), ttlSeconds: 3600 });
      return { store, cleanup: () => store.close() };
    });
    describeDialogueExpiryContract(`RedisDialogueStore on ${mode}`, async (ttlSeconds) => {
      const store = new RedisDialogueStore({ redis: client(), keyPrefix: prefix(), ttlSeconds });
      return { store, cleanup: () => store.close() };
    });
  }
  if (runs.memory) {
    describeMemoryStoreContract(`RedisMemoryStore on ${mode}`, async () => {
      const store = new RedisMemoryStore({ redis: client(), keyPrefix: prefix() });
      return { store, cleanup: () => store.close() };
    });
  }
  if (runs.seenEvents) {
    describeSeenEventsContract(`RedisSeenEvents on ${mode}`, async () =>
      RedisSeenEvents.connect(target(), { keyPrefix: prefix(), ttlSeconds: 600 }),
    );
  }
  if (runs.analytics) {
    describeAnalyticsStoreContract(`RedisAnalyticsStore on ${mode}`, async () =>
      RedisAnalyticsStore.connect(target(), { keyPrefix: prefix() }),
    );
  }
}
