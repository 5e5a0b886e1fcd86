import { randomUUID } from 'node:crypto';
import type { AnalyticsStore } from '../../ports/analytics-store';

/**
 * The guarantees of `AnalyticsStore` (see the port), run against every adapter. `make` answers a
 * fresh, empty store each time.
 */
export function describeAnalyticsStoreContract(name: string, make: () => Promise<AnalyticsStore>): void {
  describe(`AnalyticsStore contract: ${name}`, () => {
    let store: AnalyticsStore;
    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.close();
    });

    it('starts empty and answers ping', async () => {
      await store.ping();
      expect(await store.counters()).toEqual({});
    });

    it('adds increments, including fractional and zero amounts', async () => {
      expect(await store.record('e1', { a: 1, b: 0.25, z: 0 })).toBe(true);
      expect(await store.record('e2', { a: 2, b: -0.5 })).toBe(true);
      expect(await store.counters()).toEqual({ a: 3, b: -0.25, z: 0 });
    });

    it('applies an event id once and answers false for a repeat', async () => {
      expect(await store.record('same', { a: 1 })).toBe(true);
      expect(await store.record('same', { a: 1, b: 5 })).toBe(false);
      expect(await store.counters()).toEqual({ a: 1 });
    });

    it('counts an event once when it is recorded 20 times concurrently', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => store.record('raced', { a: 1, b: 2 })));
      expect(answers.filter(Boolean)).toHaveLength(1);
      expect(await store.counters()).toEqual({ a: 1, b: 2 });
    });

    it('keeps concurrent distinct events apart and loses none', async () => {
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.record(`e-${i}`, { n: 1, sum: i })));
      expect(await store.counters()).toEqual({ n: 50, sum: (49 * 50) / 2 });
    });

    it('rejects an invalid amount without applying anything or marking the id', async () => {
      await expect(store.record('bad', { a: 1, b: Number.NaN })).rejects.toThrow();
      expect(await store.counters()).toEqual({});
      expect(await store.record('bad', { a: 1 })).toBe(true);
      expect(await store.counters()).toEqual({ a: 1 });
    });

    it('takes ids and counter names with any characters', async () => {
      const id = `x:${randomUUID()} ü/{}`;
      expect(await store.record(id, { 'character:a%3Ab:started': 1 })).toBe(true);
      expect(await store.record(id, { 'character:a%3Ab:started': 1 })).toBe(false);
      expect(await store.counters()).toEqual({ 'character:a%3Ab:started': 1 });
    });
  });
}
