import { InMemoryMemoryStore } from '../memory/memory-memory-store';
import { describeMemoryStoreContract } from './memory-store.contract';

// The Redis adapter runs the same contract in memory-store.int.test.ts.
describeMemoryStoreContract('InMemoryMemoryStore', async () => {
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  const store = new InMemoryMemoryStore({ now: () => clock });
  return { store, cleanup: () => store.close(), advanceTime: async (ms) => void (clock += ms) };
});
