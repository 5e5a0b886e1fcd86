import { checkIncrements, type AnalyticsStore } from '../../ports/analytics-store';
import { BoundedIdSet } from './memory-seen-events';

/** In-process `AnalyticsStore`: for one pod or `npm start`; counters are lost on restart. */
export class MemoryAnalyticsStore implements AnalyticsStore {
  private readonly seen: BoundedIdSet;
  private readonly sums = new Map<string, number>();
  constructor(options: { seenCapacity?: number } = {}) {
    this.seen = new BoundedIdSet(options.seenCapacity ?? 100_000);
  }
  async record(eventId: string, increments: Record<string, number>): Promise<boolean> {
    checkIncrements(increments);
    // No await between the check and the writes: nothing can interleave.
    if (!this.seen.add(eventId)) return false;
    for (const [name, amount] of Object.entries(increments)) this.sums.set(name, (this.sums.get(name) ?? 0) + amount);
    return true;
  }
  async counters(): Promise<Record<string, number>> {
    return Object.fromEntries(this.sums);
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
