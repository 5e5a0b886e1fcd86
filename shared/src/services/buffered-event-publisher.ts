import type { ParleyEvent } from '../domain/events';
import type { EventBuffer } from '../ports/event-buffer';
import type { EventPublisher } from '../ports/event-publisher';
import type { Logger } from '../ports/logger';

/**
 * An EventPublisher with an outbox, for events that belong to no dialogue (AI-call analytics):
 * `publish` resolves once the events are kept in `buffer` (durable in Redis), and a relay sends them
 * to `target` in the background (after each publish, every `intervalMs`, and at start), removing
 * them only after the target confirmed them. At-least-once; ids are stable, consumers deduplicate.
 * When the buffer itself fails (Redis down), events wait in `fallback`, a bounded memory buffer
 * (lost on restart), and are sent from there.
 */
export class BufferedEventPublisher implements EventPublisher {
  private draining: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      buffer: EventBuffer;
      fallback: EventBuffer;
      target: EventPublisher;
      logger: Logger;
      batchSize?: number;
    },
  ) {}

  async publish(events: ParleyEvent[]): Promise<void> {
    try {
      await this.deps.buffer.append(events);
    } catch (err) {
      this.deps.logger.warn({ err, events: events.length }, 'event outbox unavailable; events wait in memory');
      await this.deps.fallback.append(events);
    }
    void this.flush();
  }

  /** Sends what waits; never rejects. Concurrent calls share one pass (and run one more after it). */
  flush(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        await this.drain(this.deps.fallback);
        await this.drain(this.deps.buffer);
      } while (this.again);
    })().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
    void this.flush();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The broker's state: `brokerReadiness` reports it as degraded, the outbox holds the events. */
  ping(): Promise<void> {
    return this.deps.target.ping();
  }

  /** The buffer's own state (Redis), reported as degraded: the memory fallback takes over. */
  pingBuffer(): Promise<void> {
    return this.deps.buffer.ping();
  }

  /** Stops the timer, sends what it can, closes the buffer; the target belongs to the caller. */
  async close(): Promise<void> {
    this.stop();
    await this.flush();
    await this.deps.buffer.close();
  }

  private async drain(buffer: EventBuffer): Promise<void> {
    const batchSize = this.deps.batchSize ?? 50;
    try {
      for (;;) {
        const events = await buffer.head(batchSize);
        if (events.length === 0) return;
        await this.deps.target.publish(events);
        await buffer.ack(events.map((e) => e.id));
        if (events.length < batchSize) return;
      }
    } catch (err) {
      this.deps.logger.warn({ err }, 'event outbox: publish failed; events kept for retry');
    }
  }
}
