import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { InMemoryMemoryStore } from '../memory/memory-memory-store';
import { memoryKeys, playerTag } from '../redis/memory-keys';
import { RedisMemoryStore } from '../redis/redis-memory-store';
import { describeMemoryStoreContract } from './memory-store.contract';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const filePrefix = `parley-test:${randomUUID()}:`;
let admin: Redis;

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${filePrefix}*`, 'COUNT', 500);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await admin.quit();
});

describeMemoryStoreContract('InMemoryMemoryStore', async () => {
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  const store = new InMemoryMemoryStore({ now: () => clock });
  return { store, cleanup: () => store.close(), advanceTime: async (ms) => void (clock += ms) };
});

// Redis keeps its own clock: the TTL case waits in real time (1 s).
describeMemoryStoreContract('RedisMemoryStore', async () => {
  const store = new RedisMemoryStore({ redis: admin, keyPrefix: `${filePrefix}${randomUUID().slice(0, 8)}:` });
  return { store, cleanup: () => store.close() };
});

describe('memory keys', () => {
  it('put every per-player key in the player tag slot, and another player elsewhere', () => {
    const keys = memoryKeys('parley:');
    const tag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];
    const own = [keys.pair('player-1', 'innkeeper-mara'), keys.pair('player-1', 'captain-bram'), keys.characters('player-1'), keys.outbox('player-1')];
    expect(new Set(own.map(tag))).toEqual(new Set([playerTag('player-1')]));
    expect(tag(keys.pair('player-2', 'innkeeper-mara'))).not.toBe(playerTag('player-1'));
    expect(playerTag('player-1')).toMatch(/^p:[0-9a-f]{8}$/);
  });

  it('land in one Redis Cluster slot per player', async () => {
    const keys = memoryKeys(filePrefix);
    const slots = await Promise.all(
      [keys.pair('player-1', 'innkeeper-mara'), keys.characters('player-1'), keys.outbox('player-1')].map((k) => admin.call('CLUSTER', 'KEYSLOT', k).catch(() => null)),
    );
    // CLUSTER KEYSLOT answers on a non-cluster Redis too (Redis >= 7); older servers refuse it.
    if (slots[0] === null) return;
    expect(new Set(slots).size).toBe(1);
  });
});
