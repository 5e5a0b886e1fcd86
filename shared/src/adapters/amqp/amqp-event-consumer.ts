import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { Logger } from '../../ports/logger';
import type { EventHandler } from '../../ports/event-publisher';
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
  /** Wait before reopening a lost connection; doubles up to `maxReconnectDelayMs` (default 250). */
  reconnectDelayMs?: number;
  /** Longest wait between two attempts to reopen (default 1000). */
  maxReconnectDelayMs?: number;
  /**
   * Exchange (fanout) and queue of the same name where unreadable messages go, declared by the
   * consumer (default `parley.dead-letter`).
   */
  deadLetter?: string;
  connect?: AmqpConnect;
};

type Session = { connection: ChannelModel; channel: Channel; deadLetters: ConfirmChannel; consumerTag: string };

export const DEFAULT_DEAD_LETTER = 'parley.dead-letter';
/** Headers a dead-lettered message carries besides its own: why, and where it came from. */
export const DEAD_LETTER_HEADERS = {
  reason: 'parley-dead-letter-reason',
  queue: 'parley-dead-letter-queue',
  at: 'parley-dead-letter-time',
} as const;

/**
 * A refused connection costs the broker nothing, and a subscriber that waits long after the broker
 * is back lets its queue grow: attempts stay at most this far apart, so consumption resumes within
 * about a second of the broker accepting connections (2 s at most with the connect itself).
 */
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * Feeds the events of a durable queue (bound to the topic exchange) to `handler`, for the
 * subscriber functions when they run outside Knative. Delivery is at least once:
 * - a message is acked only after the handler resolves;
 * - a handler failure nacks it with requeue after `retryDelayMs` (handlers are idempotent on id);
 * - a message Parley cannot read (not a CloudEvent, not JSON...) can never succeed: it is published,
 *   with publisher confirm, to the dead-letter exchange `deadLetter` (its headers plus the reason,
 *   the queue and the time), and only then acked; if that publish fails it goes back to the queue.
 *   Nothing is dropped, and the queue needs no arguments (queues of earlier versions keep working).
 * Queues are checked before they are declared: one an operator pre-declared with arguments of their
 * own (their own dead-letter exchange, a TTL) is used as it is instead of failing with 406.
 * A lost connection is reopened with backoff until `close()`. The first connection is opened
 * before this resolves, so a wrong URL or exchange fails start-up.
 */
export async function consumeEvents(options: ConsumeEventsOptions): Promise<{ close(): Promise<void> }> {
  const logger = options.logger;
  const openConnection = options.connect ?? ((url: string) => amqp.connect(url));
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const baseReconnectMs = options.reconnectDelayMs ?? 250;
  const maxReconnectMs = options.maxReconnectDelayMs ?? MAX_RECONNECT_DELAY_MS;
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

  const deadLetter = options.deadLetter ?? DEFAULT_DEAD_LETTER;

  const deliver = async (channel: Channel, deadLetters: ConfirmChannel, message: ConsumeMessage) => {
    let event;
    try {
      event = decodeAmqpMessage(message);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      try {
        await publishConfirmed(deadLetters, deadLetter, message, {
          [DEAD_LETTER_HEADERS.reason]: reason,
          [DEAD_LETTER_HEADERS.queue]: options.queue,
          [DEAD_LETTER_HEADERS.at]: new Date().toISOString(),
        });
      } catch (publishErr) {
        logger?.warn({ err: publishErr, reason }, 'could not dead-letter an unreadable AMQP message; requeueing it');
        later(retryDelayMs, () => safely(() => channel.nack(message, false, true)));
        return;
      }
      logger?.error(
        { reason, messageId: message.properties.messageId, routingKey: message.fields.routingKey, deadLetter },
        'unreadable AMQP message moved to the dead-letter queue',
      );
      safely(() => channel.ack(message));
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
      await ensureQueue(connection, options.queue);
      const deadLetters = await connection.createConfirmChannel();
      deadLetters.on('error', (err: Error) => logger?.warn({ err }, 'AMQP dead-letter channel error'));
      await deadLetters.assertExchange(deadLetter, 'fanout', { durable: true });
      await ensureQueue(connection, deadLetter);
      await deadLetters.bindQueue(deadLetter, deadLetter, '');
      for (const key of options.bindingKeys ?? ['#']) await channel.bindQueue(options.queue, options.exchange, key);
      await channel.prefetch(options.prefetch ?? 10);
      const { consumerTag } = await channel.consume(options.queue, (message) => {
        if (!message) return; // the queue was deleted: the channel's close brings the reconnect
        const work = deliver(channel, deadLetters, message).finally(() => inFlight.delete(work));
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
      deadLetters.on('close', lost);
      session = { connection, channel, deadLetters, consumerTag };
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
      reconnectMs = Math.min(reconnectMs * 2, maxReconnectMs);
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
      await current.deadLetters.close().catch(() => undefined);
      await current.connection.close().catch(() => undefined);
    },
  };
}

/**
 * Declares a durable queue only when it does not exist yet. `checkQueue` on its own channel (a 404
 * closes that channel): re-declaring an existing queue with other arguments would fail with 406.
 */
async function ensureQueue(connection: ChannelModel, queue: string): Promise<void> {
  const probe = await connection.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.checkQueue(queue);
    await probe.close().catch(() => undefined);
    return;
  } catch {
    // 404: absent (the probe channel is closed by the broker).
  }
  const declare = await connection.createChannel();
  try {
    await declare.assertQueue(queue, { durable: true });
  } finally {
    await declare.close().catch(() => undefined);
  }
}

/** Publishes a copy of `message` (body, properties, headers + `extra`) and waits for the broker's confirm. */
function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  message: ConsumeMessage,
  extra: Record<string, string>,
): Promise<void> {
  // A TTL of the original would let the dead letter expire too.
  const { headers, expiration: _expiration, ...properties } = message.properties;
  const options = Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== undefined));
  return new Promise((resolve, reject) => {
    channel.publish(
      exchange,
      message.fields.routingKey,
      message.content,
      { ...options, persistent: true, headers: { ...headers, ...extra } },
      (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
    );
  });
}

/** Acks on a channel that closed meanwhile throw; the broker requeues those messages anyway. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Channel gone: the message is redelivered after reconnecting.
  }
}
