/**
 * A subscriber consumes again soon after the broker comes back: the consumer (with its default
 * back-off) reaches the real RabbitMQ through a TCP proxy that refuses every connection for the
 * outage, as a stopped broker does, then accepts again. The proxy is used rather than a second
 * RabbitMQ node: what the consumer sees of an outage is exactly this (its connection dies, new ones
 * are refused, then accepted), and a second node of the installed rabbitmq-server did not start
 * here on its own ports and directories (it wants to write plugin and feature-flag files beside the
 * shared node's).
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { ParleyEvent } from '@parley/shared';
import { createLogger, consumeEvents, AmqpEventPublisher } from '@parley/shared/composition';
import { sampleDialogueEvents } from '@parley/shared/testing';
import { TcpProxy } from '../support/tcp-proxy';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const OUTAGE_MS = 16_000;
const RESUME_WITHIN_MS = 5_000;
const run = randomUUID().slice(0, 8);
const exchange = `parley.reconnect.${run}`;
const queue = `parley.reconnect.${run}.q`;
const deadLetter = `parley.reconnect.${run}.dead`;

afterAll(async () => {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  for (const q of [queue, deadLetter]) await channel.deleteQueue(q).catch(() => undefined);
  for (const x of [exchange, deadLetter]) await channel.deleteExchange(x).catch(() => undefined);
  await connection.close();
});

test(`consumes again within ${RESUME_WITHIN_MS / 1000} s of the broker accepting connections after a ${OUTAGE_MS / 1000} s outage`, async () => {
  const broker = await TcpProxy.forUrl(AMQP_URL);
  const received: Array<{ event: ParleyEvent; at: number }> = [];
  let arrived: () => void = () => undefined;
  const consumer = await consumeEvents({
    url: broker.url,
    exchange,
    queue,
    deadLetter,
    logger: createLogger('reconnect-test', 'silent'),
    handler: async (event) => {
      received.push({ event, at: Date.now() });
      arrived();
    },
  });
  const publisher = await AmqpEventPublisher.connect(AMQP_URL, {
    exchange,
    logger: createLogger('reconnect-test', 'silent'),
  });
  try {
    broker.proxy.cut();
    // The outage itself is the scenario: the consumer keeps trying (and being refused) meanwhile.
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    expect(broker.proxy.refused).toBeGreaterThan(0);
    const [event] = sampleDialogueEvents(randomUUID());
    // Queued while the consumer is away (the queue is durable and bound).
    await publisher.publish([event!]);
    const delivered = new Promise<void>((resolve) => (arrived = resolve));
    const back = Date.now();
    broker.proxy.restore();
    await delivered;
    const resumedMs = received[0]!.at - back;
    console.log(
      `[reliability] subscriber resumed ${resumedMs} ms after the broker accepted connections again (outage ${OUTAGE_MS} ms)`,
    );
    expect(received.map((r) => r.event.id)).toEqual([event!.id]);
    expect(resumedMs).toBeLessThanOrEqual(RESUME_WITHIN_MS);
  } finally {
    await consumer.close();
    await publisher.close();
    await broker.proxy.close();
  }
}, 60_000);
