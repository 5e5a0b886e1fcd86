import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisMemoryStore } from '../redis/redis-memory-store';
import { describeMemoryStoreContract } from './memory-store.contract';
import { guardScriptSlots, type ScriptSlotReport } from './one-slot-guard';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const filePrefix = `parley-test:${randomUUID()}:`;
let admin: Redis;
/** The stores' client: each script's KEYS are checked to share one cluster slot. */
let guarded: Redis;
let slots: ScriptSlotReport;

beforeAll(() => {
  admin = new Redis(REDIS_URL);
  guarded = new Redis(REDIS_URL);
  slots = guardScriptSlots(guarded);
});
afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${filePrefix}*`, 'COUNT', 500);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await admin.quit();
  await guarded.quit();
  expect(slots.scripts).toBeGreaterThan(10);
  expect(slots.crossSlot).toEqual([]);
});

// The in-memory adapter runs the same contract in memory-store.test.ts.
// Redis keeps its own clock: the TTL case waits in real time (1 s).
describeMemoryStoreContract('RedisMemoryStore', async () => {
  const store = new RedisMemoryStore({ redis: guarded, keyPrefix: `${filePrefix}${randomUUID().slice(0, 8)}:` });
  return { store, cleanup: () => store.close() };
});
