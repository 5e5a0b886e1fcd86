import type { SeenEvents } from '../../ports/seen-events';

/** The guarantees of `SeenEvents` (see the port), run against every adapter; `make` answers a fresh one. */
export function describeSeenEventsContract(name: string, make: () => Promise<SeenEvents>): void {
  describe(`SeenEvents contract: ${name}`, () => {
    let seen: SeenEvents;
    beforeEach(async () => {
      seen = await make();
    });
    afterEach(async () => {
      await seen.close();
    });

    it('answers true the first time only', async () => {
      await seen.ping();
      expect(await seen.firstTime('a')).toBe(true);
      expect(await seen.firstTime('a')).toBe(false);
      expect(await seen.firstTime('b')).toBe(true);
    });

    it('answers true to exactly one of 20 concurrent calls with one id', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => seen.firstTime('raced')));
      expect(answers.filter(Boolean)).toHaveLength(1);
    });
  });
}
