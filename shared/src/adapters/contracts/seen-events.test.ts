import { BoundedIdSet, MemorySeenEvents } from '../memory/memory-seen-events';
import { describeSeenEventsContract } from './seen-events.contract';

// The Redis adapter runs the same contract in seen-events.int.test.ts.
describeSeenEventsContract('memory', async () => new MemorySeenEvents());

describe('BoundedIdSet', () => {
  it('forgets the oldest id beyond its capacity', () => {
    const ids = new BoundedIdSet(2);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('b')).toBe(true);
    expect(ids.add('c')).toBe(true);
    expect(ids.size).toBe(2);
    expect(ids.add('b')).toBe(false);
    expect(ids.add('a')).toBe(true);
  });
});
