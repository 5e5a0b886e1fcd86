import {
  describeDialogueExpiryContract,
  describeDialogueStoreContract,
  dialogueStoreFixtures,
} from './dialogue-store.contract';
import { InMemoryDialogueStore } from '../memory/memory-dialogue-store';
import { EXPIRY_GRACE_SECONDS } from '../../ports/dialogue-store';

// The Redis adapter runs the same contract in dialogue-store.int.test.ts.
const { character, started, turnOn, ended } = dialogueStoreFixtures;

describeDialogueStoreContract('InMemoryDialogueStore', async () => {
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  const store = new InMemoryDialogueStore({ ttlSeconds: 3600, now: () => clock });
  return {
    store,
    cleanup: () => store.close(),
    advanceTime: async (ms) => {
      clock += ms;
    },
  };
});

describeDialogueExpiryContract('InMemoryDialogueStore', async (ttlSeconds) => {
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  const store = new InMemoryDialogueStore({ ttlSeconds, now: () => clock });
  return { store, cleanup: () => store.close(), advanceTime: async (ms) => void (clock += ms) };
});

describe('InMemoryDialogueStore expiry', () => {
  it('lists an idle dialogue as expired after ttlSeconds, forgets it after the grace period, keeps the outbox', async () => {
    let clock = 0;
    const store = new InMemoryDialogueStore({ ttlSeconds: 60, now: () => clock });
    const { state, greeting, events } = started();
    await store.create(state, greeting, events);
    clock += 59_000;
    const turn = turnOn(state, 'm-1');
    expect(await store.commitTurn(turn)).toEqual({ ok: true });
    // The commit refreshed the idle deadline.
    clock += 59_000;
    expect(await store.load(state.id)).toEqual(turn.state);
    expect(await store.expiredDialogues(10)).toEqual([]);
    clock += 1_000;
    // Past the deadline it waits for a sweeper; the keys outlive it by the grace period.
    expect(await store.expiredDialogues(10)).toEqual([state.id]);
    expect(await store.load(state.id)).toEqual(turn.state);
    clock += EXPIRY_GRACE_SECONDS * 1000;
    expect(await store.load(state.id)).toBeNull();
    expect(await store.expiredDialogues(10)).toEqual([]);
    expect(await store.transcript(state.id)).toEqual([]);
    expect(await store.turnResult(state.id, 'm-1')).toBeNull();
    expect(await store.pendingEvents(state.id, 10)).toHaveLength(2);

    const other = started();
    await store.create(other.state, other.greeting, other.events);
    await store.end(ended(other.state));
    clock += 59_999;
    expect(await store.outcome(other.state.id)).not.toBeNull();
    clock += 1;
    expect(await store.outcome(other.state.id)).toBeNull();
  });

  it('stores copies of what it is given', async () => {
    const store = new InMemoryDialogueStore({ ttlSeconds: 60 });
    const { state, greeting, events } = started();
    await store.create(state, greeting, events);
    greeting.text = 'changed';
    events[0]!.id = 'changed';
    expect((await store.transcript(state.id))[0]!.text).toBe(character.greeting);
    expect((await store.pendingEvents(state.id, 1))[0]!.id).not.toBe('changed');
  });
});
