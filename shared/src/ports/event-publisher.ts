import type { ParleyEvent } from '../domain/events';

/**
 * Sends CloudEvents on. Every adapter (in-process bus, AMQP, HTTP sink) guarantees: `publish`
 * resolves only when every event is accepted by the transport (AMQP publisher confirm, a 2xx from
 * the broker ingress, the in-process handlers done), in the order given; it rejects otherwise,
 * and the caller keeps the events to send again (ids are stable, consumers deduplicate).
 */
export interface EventPublisher {
  publish(events: ParleyEvent[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A consumer of events: the subscribers' handlers. Must be idempotent on `event.id`. */
export type EventHandler = (event: ParleyEvent) => Promise<void>;
