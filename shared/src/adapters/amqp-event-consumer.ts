import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Logger } from '../http/logger';
import type { EventHandler } from '../ports/event-publisher';
import { decodeAmqpMessage } from './amqp-message';
import type { AmqpConnect } from './amqp-event-publisher';

export type ConsumeEventsOptions = {
  url: string;
  exchange: string;
  queue: string;
  /** Topic patterns bound to the queue; every event by default. */
  bindingKeys?: string[];
  /** Unacknowledged messages in flight at once (default 10). */
  prefetch?: number;
  handler: EventHandler;
  logger?: Logger;
  /** Wait before a failed message goes back to the queue, so a broken dependency is not hammered (default 1000). */
  retryDelayMs?: number;
  /** Wait before reopening a lost connection; doubles up to 30 s (default 1000). */
  reconnectDelayMs?: number;
  connect?: AmqpConnect;
};

type Session = { connection: ChannelModel; channel: Channel; consumerTag: string };

const MAX_RECONNECT_DELAY_MS = 30_000;

/**
 * Feeds the events of a durable queue (bound to the topic exchange) to `handler`, for the
 * subscriber functions when they run outside Knative. Delivery is at least once:
 * - a message is acked only after the handler resolves;
 * - a handler failure nacks it with requeue after `retryDelayMs` (handlers are idempotent on id);
 * - a message that is not a valid CloudEvent is logged and rejected WITHOUT requeue: it can never
 *   succeed, and a dead-letter exchange on the queue, if any, keeps it.
 * A lost connection is reopened with backoff until `close()`. The first connection is opened
 * before this resolves, so a wrong URL or exchange fails start-up.
 */
export async function consumeEvents(options: ConsumeEventsOptions): Promise<{ close(): Promise<void> }> {
  const logger = options.logger;
  const openConnection = options.connect ?? ((url: string) => amqp.connect(url));
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const baseReconnectMs = options.reconnectDelayMs ?? 1000;
  const inFlight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let session: Session | null = null;
  let stopped = false;
  let reconnectMs = baseReconnectMs;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const deliver = async (channel: Channel, message: ConsumeMessage) => {
    let event;
    try {
      event = decodeAmqpMessage(message);
    } catch (err) {
      logger?.error({ err, messageId: message.properties.messageId, routingKey: message.fields.routingKey }, 'dropping an AMQP message that is not a valid event');
      safely(() => channel.nack(message, false, false));
      return;
    }
    try {
      await options.handler(event);
      safely(() => channel.ack(message));
    } catch (err) {
      logger?.warn({ err, eventId: event.id, type: event.type }, 'event handler failed; requeueing');
      later(retryDelayMs, () => safely(() => channel.nack(message, false, true)));
    }
  };

  const open = async (): Promise<void> => {
    const connection = await openConnection(options.url);
    connection.on('error', (err: Error) => logger?.warn({ err }, 'AMQP consumer connection error'));
    try {
      const channel = await connection.createChannel();
      channel.on('error', (err: Error) => logger?.warn({ err }, 'AMQP consumer channel error'));
      await channel.assertExchange(options.exchange, 'topic', { durable: true });
      await channel.assertQueue(options.queue, { durable: true });
      for (const key of options.bindingKeys ?? ['#']) await channel.bindQueue(options.queue, options.exchange, key);
      await channel.prefetch(options.prefetch ?? 10);
      const { consumerTag } = await channel.consume(options.queue, (message) => {
        if (!message) return; // the queue was deleted: the channel's close brings the reconnect
        const work = deliver(channel, message).finally(() => inFlight.delete(work));
        inFlight.add(work);
      });
      // A closed channel on a live connection stops consumption just the same: reopen both.
      const lost = () => {
        if (session?.connection !== connection) return;
        session = null;
        connection.close().catch(() => undefined);
        if (stopped) return;
        logger?.warn({ queue: options.queue, retryInMs: reconnectMs }, 'AMQP consumer lost its connection; reopening');
        later(reconnectMs, reconnect);
      };
      connection.on('close', lost);
      channel.on('close', lost);
      session = { connection, channel, consumerTag };
      reconnectMs = baseReconnectMs;
      logger?.info({ queue: options.queue, exchange: options.exchange }, 'consuming events');
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw err;
    }
  };

  const reconnect = () => {
    if (stopped) return;
    open().catch((err: unknown) => {
      reconnectMs = Math.min(reconnectMs * 2, MAX_RECONNECT_DELAY_MS);
      logger?.warn({ err, retryInMs: reconnectMs }, 'AMQP consumer could not reconnect');
      later(reconnectMs, reconnect);
    });
  };

  await open();

  return {
    async close() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const current = session;
      session = null;
      if (current) await current.channel.cancel(current.consumerTag).catch(() => undefined);
      // Let running handlers finish and ack; unacked messages go back to the queue on close.
      await Promise.allSettled([...inFlight]);
      if (!current) return;
      await current.channel.close().catch(() => undefined);
      await current.connection.close().catch(() => undefined);
    },
  };
}

/** Acks on a channel that closed meanwhile throw; the broker requeues those messages anyway. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Channel gone: the message is redelivered after reconnecting.
  }
}
