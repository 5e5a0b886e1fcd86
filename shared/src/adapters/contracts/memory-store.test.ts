import { InMemoryMemoryStore } from '../memory/memory-memory-store';
import { memoryKeys, playerTag } from '../redis/memory-keys';
import { describeMemoryStoreContract } from './memory-store.contract';

// The Redis adapter runs the same contract in memory-store.int.test.ts.
describeMemoryStoreContract('InMemoryMemoryStore', async () => {
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  const store = new InMemoryMemoryStore({ now: () => clock });
  return { store, cleanup: () => store.close(), advanceTime: async (ms) => void (clock += ms) };
});

describe('memory keys', () => {
  it('put every per-player key under the player tag (Redis Cluster hashes only the tag: one slot), another player elsewhere', () => {
    const keys = memoryKeys('parley:');
    const tag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];
    const own = [
      keys.pair('player-1', 'innkeeper-mara'),
      keys.pair('player-1', 'captain-bram'),
      keys.characters('player-1'),
      keys.outbox('player-1'),
    ];
    expect(new Set(own.map(tag))).toEqual(new Set([playerTag('player-1')]));
    expect(tag(keys.pair('player-2', 'innkeeper-mara'))).not.toBe(playerTag('player-1'));
    expect(playerTag('player-1')).toMatch(/^p:[0-9a-f]{8}$/);
  });
});
