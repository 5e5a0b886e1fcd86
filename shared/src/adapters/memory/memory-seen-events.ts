import type { SeenEvents } from '../../ports/seen-events';

/** A set of ids that forgets the oldest once it holds `capacity`, so memory stays bounded. */
export class BoundedIdSet {
  // A Set iterates in insertion order: its first element is the oldest.
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }
  /** Adds the id; false when it was already there. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
    return true;
  }
  get size(): number {
    return this.ids.size;
  }
}

/** In-process `SeenEvents`: enough for one pod or `npm start`; forgets on restart. */
export class MemorySeenEvents implements SeenEvents {
  private readonly ids: BoundedIdSet;
  constructor(options: { capacity?: number } = {}) {
    this.ids = new BoundedIdSet(options.capacity ?? 100_000);
  }
  async firstTime(eventId: string): Promise<boolean> {
    return this.ids.add(eventId);
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
