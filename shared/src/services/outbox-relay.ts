import type { DialogueStore } from '../ports/dialogue-store';
import type { EventPublisher } from '../ports/event-publisher';
import type { Logger } from '../ports/logger';
import { NO_METRICS, type MetricsRecorder } from '../ports/metrics';

/**
 * Moves events from the store's outbox to the publisher, in order per dialogue, removing each batch
 * only after the publisher confirmed it. A failed publish leaves the events where they are, for the
 * next flush (after the next request, on the timer, or at start-up). Delivery is at-least-once;
 * consumers deduplicate on the stable event id.
 */
export class OutboxRelay {
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      /** Any outbox keyed by one id (a dialogue's, a player's): the dialogue store, or a view of another store. */
      store: Pick<DialogueStore, 'outboxDialogues' | 'pendingEvents' | 'ackOutbox'>;
      publisher: EventPublisher;
      logger: Logger;
      batchSize?: number;
      metrics?: MetricsRecorder;
    },
  ) {}

  private get metrics(): MetricsRecorder {
    return this.deps.metrics ?? NO_METRICS;
  }

  /** Publish what a dialogue has pending. Never rejects: failures are logged and retried later. */
  flush(dialogueId: string): Promise<void> {
    // One flush per dialogue at a time in this process keeps its events in order.
    const previous = this.inFlight.get(dialogueId) ?? Promise.resolve();
    const next = previous.then(() => this.drain(dialogueId));
    this.inFlight.set(dialogueId, next);
    return next.finally(() => {
      if (this.inFlight.get(dialogueId) === next) this.inFlight.delete(dialogueId);
    });
  }

  async flushAll(limit = 100): Promise<void> {
    let ids: string[];
    try {
      ids = await this.deps.store.outboxDialogues(limit);
      this.metrics.outboxDepth(ids.length);
    } catch (err) {
      this.deps.logger.warn({ err }, 'outbox: cannot list pending dialogues');
      return;
    }
    for (const id of ids) await this.flush(id);
  }

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.flushAll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async drain(dialogueId: string): Promise<void> {
    const batchSize = this.deps.batchSize ?? 50;
    try {
      for (;;) {
        const events = await this.deps.store.pendingEvents(dialogueId, batchSize);
        if (events.length === 0) return;
        await this.deps.publisher.publish(events);
        this.metrics.outboxPublished(events.length);
        await this.deps.store.ackOutbox(
          dialogueId,
          events.map((e) => e.id),
        );
        if (events.length < batchSize) return;
      }
    } catch (err) {
      this.metrics.outboxPublishFailed();
      this.deps.logger.warn({ err, dialogueId }, 'outbox: publish failed; events kept for retry');
    }
  }
}
