import type { ParleyEvent } from '../../domain/events';
import type { EventBuffer } from '../../ports/event-buffer';

/**
 * An EventBuffer in this process's memory: lost on restart, and bounded: beyond `maxEvents` the
 * oldest events are dropped (counted in `dropped`), so a long broker outage cannot exhaust memory.
 */
export class MemoryEventBuffer implements EventBuffer {
  private events: ParleyEvent[] = [];
  /** Events dropped because the buffer was full. */
  dropped = 0;

  constructor(private readonly maxEvents = 10_000) {}

  async append(events: ParleyEvent[]): Promise<void> {
    this.events.push(...structuredClone(events));
    const over = this.events.length - this.maxEvents;
    if (over > 0) {
      this.events.splice(0, over);
      this.dropped += over;
    }
  }

  async head(limit: number): Promise<ParleyEvent[]> {
    return structuredClone(this.events.slice(0, limit));
  }

  async ack(eventIds: string[]): Promise<void> {
    let n = 0;
    while (n < this.events.length && n < eventIds.length && this.events[n]!.id === eventIds[n]) n++;
    this.events.splice(0, n);
  }

  get size(): number {
    return this.events.length;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
