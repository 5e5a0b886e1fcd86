import type { ParleyEvent } from '../../domain/events';
import type { EventHandler, EventPublisher } from '../../ports/event-publisher';

/**
 * The transport of `npm start`: events go straight to the handlers subscribed in the same
 * process (the log and analytics handlers). `publish` resolves when every handler has finished
 * with every event, in order, and rejects with the first handler failure, so the caller keeps the
 * events in its outbox exactly as it would after a broker failure.
 */
export class InProcessEventBus implements EventPublisher {
  private handlers: EventHandler[] = [];

  /** Adds a handler; the answer removes it. */
  subscribe(handler: EventHandler): () => void {
    this.handlers.push(handler);
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  async publish(events: ParleyEvent[]): Promise<void> {
    for (const event of events) {
      // A snapshot: subscribing inside a handler takes effect from the next event.
      for (const handler of [...this.handlers]) {
        // Each handler gets its own copy, as from a real transport: none can change what another sees.
        await handler(structuredClone(event));
      }
    }
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.handlers = [];
  }
}
