import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage, type GetMessage } from 'amqplib';
import type { ParleyEvent } from '../../domain/events';
import { createLogger } from '../../observability/logger';
import { AmqpEventPublisher, type AmqpConnect } from '../amqp/amqp-event-publisher';
import { consumeEvents } from '../amqp/amqp-event-consumer';
import { decodeAmqpMessage, encodeAmqpMessage } from '../amqp/amqp-message';
import {
  describeEventPublisherContract,
  sampleDialogueEvents,
  type EventPublisherHarness,
} from './event-publisher.contract';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const logger = createLogger('event-publisher-test', 'silent');

async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean, deadlineMs = 10_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const testName = (what: string) => `parley.test.${what}.${randomUUID()}`;
const dialogueId = () => randomUUID();

/** A side connection for the tests' own queues and exchanges; closed in afterAll. */
let admin: ChannelModel;
let adminChannel: Channel;
beforeAll(async () => {
  admin = await amqp.connect(AMQP_URL);
  adminChannel = await admin.createChannel();
});
afterAll(async () => {
  await admin.close();
});

/** A test exchange with an exclusive queue bound to every key; messages kept raw. */
async function tapExchange(exchange: string) {
  const channel = await admin.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, '#');
  const messages: ConsumeMessage[] = [];
  await channel.consume(
    queue,
    (m) => {
      if (m) messages.push(m);
    },
    { noAck: true },
  );
  return {
    messages,
    async close() {
      await channel.deleteExchange(exchange);
      await channel.close();
    },
  };
}

/** Remembers every connection the publisher opens, so a test can cut one. */
function recordingConnect(): { connect: AmqpConnect; connections: ChannelModel[] } {
  const connections: ChannelModel[] = [];
  return {
    connections,
    connect: async (url) => {
      const connection = await amqp.connect(url);
      connections.push(connection);
      return connection;
    },
  };
}

/** What a network failure looks like to amqplib: the socket dies with an error. Resolves once amqplib saw it. */
function cutSocket(connection: ChannelModel): Promise<void> {
  const closed = new Promise<void>((resolve) => connection.once('close', () => resolve()));
  (connection.connection as unknown as { stream: Socket }).stream.destroy(new Error('network cut by the test'));
  return closed;
}

describeEventPublisherContract('AmqpEventPublisher (RabbitMQ)', async (): Promise<EventPublisherHarness> => {
  const exchange = testName('contract');
  const tap = await tapExchange(exchange);
  const publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange, logger });
  return {
    publisher,
    received: async () => tap.messages.map((m) => decodeAmqpMessage(m)),
    cleanup: async () => {
      await publisher.close();
      await tap.close();
    },
  };
});

describe('AmqpEventPublisher', () => {
  it('writes the Knative broker layout: unprefixed headers, message_id, content_type, persistent, routing key = type', async () => {
    const exchange = testName('layout');
    const tap = await tapExchange(exchange);
    const publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange, logger });
    try {
      const events = sampleDialogueEvents(dialogueId());
      const progress = events[1]!;
      await publisher.publish(events);
      await eventually(
        () => tap.messages.length,
        (n) => n >= events.length,
      );

      const message = tap.messages[1]!;
      expect(message.fields.routingKey).toBe('dialogue.progress');
      expect(message.fields.exchange).toBe(exchange);
      expect(message.properties.deliveryMode).toBe(2);
      expect(message.properties.messageId).toBe(progress.id);
      expect(message.properties.contentType).toBe('application/json');
      expect(message.properties.type).toBe('dialogue.progress');
      expect(message.properties.timestamp).toBe(Math.floor(Date.parse(progress.time!) / 1000));
      expect(message.properties.headers).toStrictEqual({
        specversion: '1.0',
        id: progress.id,
        source: progress.source,
        type: 'dialogue.progress',
        subject: progress.subject,
        time: progress.time,
        'content-type': 'application/json',
        sequence: '0000000001',
        traceparent: progress.traceparent,
      });
      expect(JSON.parse(message.content.toString('utf8'))).toStrictEqual(progress.data);
      expect(tap.messages.map((m) => m.fields.routingKey)).toEqual(events.map((e) => e.type));
    } finally {
      await publisher.close();
      await tap.close();
    }
  });

  it('declares its exchange as a durable topic exchange', async () => {
    const exchange = testName('declare');
    const publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange, logger });
    const probe = await admin.createChannel();
    probe.on('error', () => undefined); // the refused declaration closes this channel
    try {
      // Re-declaring with the same properties is accepted; any other kind or durability is refused.
      await expect(probe.assertExchange(exchange, 'topic', { durable: true })).resolves.toBeDefined();
      await expect(probe.assertExchange(exchange, 'fanout', { durable: true })).rejects.toThrow(/PRECONDITION_FAILED/);
    } finally {
      await publisher.close();
      await adminChannel.deleteExchange(exchange);
    }
  });

  it('recovers on the next publish after its connection is closed or cut under it', async () => {
    const exchange = testName('recover');
    const tap = await tapExchange(exchange);
    const { connect, connections } = recordingConnect();
    const publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange, logger, connect });
    try {
      const [a, b, c] = sampleDialogueEvents(dialogueId());
      await publisher.publish([a!]);

      await connections[0]!.close();
      await publisher.publish([b!]);

      // A socket error emits 'error' on the connection: it must be handled, never crash the process.
      await cutSocket(connections[1]!);
      await publisher.ping();
      await publisher.publish([c!]);

      expect(connections).toHaveLength(3);
      const received = await eventually(
        () => tap.messages,
        (m) => m.length >= 3,
      );
      expect(received.map((m) => decodeAmqpMessage(m))).toStrictEqual([a, b, c]);
    } finally {
      await publisher.close();
      await tap.close();
    }
  });

  it('rejects when the broker closes the channel (exchange gone), then recovers and re-declares it', async () => {
    const exchange = testName('gone');
    const publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange, logger });
    try {
      const [a, b] = sampleDialogueEvents(dialogueId());
      await adminChannel.deleteExchange(exchange);
      await expect(publisher.publish([a!])).rejects.toThrow(/channel closed|not confirm/);

      const tap = await tapExchange(exchange);
      try {
        await publisher.publish([b!]);
        const received = await eventually(
          () => tap.messages,
          (m) => m.length >= 1,
        );
        expect(received.map((m) => decodeAmqpMessage(m))).toStrictEqual([b]);
      } finally {
        await tap.close();
      }
    } finally {
      await publisher.close();
    }
  });

  it('refuses to publish after close', async () => {
    const exchange = testName('closed');
    const publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange, logger });
    await publisher.close();
    await adminChannel.deleteExchange(exchange);
    await expect(publisher.publish(sampleDialogueEvents(dialogueId()))).rejects.toThrow(/closed/);
  });

  it('fails to connect to a broker that is not there', async () => {
    await expect(
      AmqpEventPublisher.connect('amqp://guest:guest@127.0.0.1:1', { exchange: testName('none') }),
    ).rejects.toThrow();
  });
});

describe('consumeEvents', () => {
  let exchange: string;
  let queue: string;
  let publisher: AmqpEventPublisher;
  beforeEach(async () => {
    exchange = testName('consume');
    queue = testName('queue');
    publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange, logger });
  });
  afterEach(async () => {
    await publisher.close();
    await adminChannel.deleteQueue(queue);
    await adminChannel.deleteExchange(exchange);
  });

  it('delivers each event to the handler, decoded, and acks it', async () => {
    const handled: ParleyEvent[] = [];
    const consumer = await consumeEvents({
      url: AMQP_URL,
      exchange,
      queue,
      logger,
      handler: async (e) => void handled.push(e),
    });
    const events = sampleDialogueEvents(dialogueId());
    await publisher.publish(events);
    await eventually(
      () => handled.length,
      (n) => n >= events.length,
    );
    await consumer.close();

    expect(handled).toStrictEqual(events);
    expect((await adminChannel.checkQueue(queue)).messageCount).toBe(0);
  });

  it('binds only the given keys', async () => {
    const handled: ParleyEvent[] = [];
    const consumer = await consumeEvents({
      url: AMQP_URL,
      exchange,
      queue,
      logger,
      bindingKeys: ['dialogue.resolve'],
      handler: async (e) => void handled.push(e),
    });
    const events = sampleDialogueEvents(dialogueId());
    await publisher.publish(events);
    await eventually(
      () => handled.length,
      (n) => n >= 1,
    );
    // Confirms come after routing: anything else routed to the queue is there (or unacked) by now,
    // and goes back to it when the consumer leaves.
    await consumer.close();
    expect(handled.map((e) => e.type)).toEqual(['dialogue.resolve']);
    expect((await adminChannel.checkQueue(queue)).messageCount).toBe(0);
  });

  it('requeues an event whose handler fails and delivers it again', async () => {
    const attempts = new Map<string, number>();
    const handled: ParleyEvent[] = [];
    const consumer = await consumeEvents({
      url: AMQP_URL,
      exchange,
      queue,
      logger,
      retryDelayMs: 20,
      handler: async (event) => {
        const n = (attempts.get(event.id) ?? 0) + 1;
        attempts.set(event.id, n);
        if (event.type === 'dialogue.progress' && n === 1) throw new Error('store down');
        handled.push(event);
      },
    });
    const events = sampleDialogueEvents(dialogueId());
    await publisher.publish(events);
    await eventually(
      () => handled.length,
      (n) => n >= events.length,
    );
    await consumer.close();

    expect(attempts.get(events[1]!.id)).toBe(2);
    expect(handled.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect((await adminChannel.checkQueue(queue)).messageCount).toBe(0);
  });

  it('moves a message it cannot read to the dead-letter queue with the reason, acks it, and goes on', async () => {
    const handled: ParleyEvent[] = [];
    const deadLetter = testName('dead-letter');
    const consumer = await consumeEvents({
      url: AMQP_URL,
      exchange,
      queue,
      deadLetter,
      logger,
      handler: async (e) => void handled.push(e),
    });
    try {
      // Confirmed first, so the unreadable messages are queued ahead of the valid one.
      const raw = await admin.createConfirmChannel();
      raw.publish(exchange, 'dialogue.progress', Buffer.from('{"not":"an event"}'), {
        headers: { type: 'dialogue.progress' },
        messageId: 'unreadable-1',
      });
      raw.publish(exchange, 'dialogue.progress', Buffer.from('{not json'), {
        headers: { specversion: '1.0', id: 'unreadable-2', source: '/x', type: 'dialogue.progress' },
      });
      await raw.waitForConfirms();
      await raw.close();
      const [event] = sampleDialogueEvents(dialogueId());
      await publisher.publish([event!]);
      await eventually(
        () => handled.length,
        (n) => n >= 1,
      );
      const dead = await eventually(
        () => adminChannel.checkQueue(deadLetter),
        (q) => q.messageCount >= 2,
      );
      await consumer.close();

      expect(handled).toStrictEqual([event]);
      expect(dead.messageCount).toBe(2);
      const first = (await adminChannel.get(deadLetter, { noAck: true })) as GetMessage;
      const second = (await adminChannel.get(deadLetter, { noAck: true })) as GetMessage;
      expect(first.properties.messageId).toBe('unreadable-1');
      expect(first.content.toString()).toBe('{"not":"an event"}');
      expect(first.properties.headers).toMatchObject({ type: 'dialogue.progress', 'parley-dead-letter-queue': queue });
      expect(String(first.properties.headers?.['parley-dead-letter-reason'])).toMatch(/invalid AMQP CloudEvent/);
      expect(String(second.properties.headers?.['parley-dead-letter-reason'])).toMatch(/not valid JSON/);
      // Acked, not requeued: nothing is back in the queue once the consumer left.
      expect((await adminChannel.checkQueue(queue)).messageCount).toBe(0);
    } finally {
      await consumer.close();
      await adminChannel.deleteQueue(deadLetter);
      await adminChannel.deleteExchange(deadLetter);
    }
  });

  it('reads the layouts the Knative RabbitMQ broker reads', async () => {
    const handled: ParleyEvent[] = [];
    const deadLetter = testName('dead-letter');
    const consumer = await consumeEvents({
      url: AMQP_URL,
      exchange,
      queue,
      deadLetter,
      logger,
      handler: async (e) => void handled.push(e),
    });
    try {
      const [event] = sampleDialogueEvents(dialogueId());
      const { headers } = encodeAmqpMessage(event!).options;
      const body = Buffer.from(JSON.stringify(event!.data));
      const variants: Array<[string, Record<string, unknown>, string | undefined]> = [
        ['offset', { ...headers, time: '2025-03-01T10:00:00+00:00' }, undefined],
        ['offset2', { ...headers, time: '2025-03-01T12:00:00.000+02:00' }, undefined],
        ['lower', { ...headers, time: '2025-03-01t10:00:00z' }, undefined],
        ['params', { ...headers, 'content-type': 'application/json; charset=utf-8' }, undefined],
        ['case', { ...headers, 'content-type': 'Application/JSON' }, undefined],
        ['junk-trace', { ...headers, traceparent: 'not-a-trace' }, undefined],
      ];
      const raw = await admin.createConfirmChannel();
      for (const [name, h] of variants)
        raw.publish(exchange, event!.type, body, { headers: { ...h, id: `${event!.id}.${name}` } });
      raw.publish(exchange, event!.type, Buffer.from(JSON.stringify({ ...event, id: `${event!.id}.structured` })), {
        contentType: 'application/cloudevents+json',
      });
      await raw.waitForConfirms();
      await raw.close();
      await eventually(
        () => handled.length,
        (n) => n >= variants.length + 1,
      );
      expect(handled.map((e) => e.id.slice(event!.id.length + 1)).sort()).toEqual(
        [...variants.map(([n]) => n), 'structured'].sort(),
      );
      expect((await adminChannel.checkQueue(deadLetter)).messageCount).toBe(0);
    } finally {
      await consumer.close();
      await adminChannel.deleteQueue(deadLetter);
      await adminChannel.deleteExchange(deadLetter);
    }
  });

  it('starts on a queue an operator pre-declared with arguments of their own', async () => {
    const deadLetter = testName('dead-letter');
    await adminChannel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-dead-letter-exchange': 'operators.own', 'x-message-ttl': 3_600_000 },
    });
    const handled: ParleyEvent[] = [];
    const consumer = await consumeEvents({
      url: AMQP_URL,
      exchange,
      queue,
      deadLetter,
      logger,
      handler: async (e) => void handled.push(e),
    });
    try {
      const events = sampleDialogueEvents(dialogueId());
      await publisher.publish(events);
      await eventually(
        () => handled.length,
        (n) => n >= events.length,
      );
      expect(handled).toStrictEqual(events);
    } finally {
      await consumer.close();
      await adminChannel.deleteQueue(deadLetter);
      await adminChannel.deleteExchange(deadLetter);
    }
  });

  it('reconnects by itself after its connection is cut', async () => {
    const handled: ParleyEvent[] = [];
    const { connect, connections } = recordingConnect();
    const consumer = await consumeEvents({
      url: AMQP_URL,
      exchange,
      queue,
      logger,
      connect,
      reconnectDelayMs: 20,
      handler: async (e) => void handled.push(e),
    });
    const [a, b] = sampleDialogueEvents(dialogueId());
    await publisher.publish([a!]);
    await eventually(
      () => handled.length,
      (n) => n >= 1,
    );

    await cutSocket(connections[0]!);
    await publisher.publish([b!]);
    await eventually(() => handled.some((e) => e.id === b!.id), Boolean);
    await consumer.close();

    expect(connections).toHaveLength(2);
    // At least once: a cut can come before the broker saw the ack of `a`, which it then delivers again
    // (the subscribers drop such repeats by event id).
    expect([...new Map(handled.map((e) => [e.id, e])).values()]).toStrictEqual([a, b]);
  });
});
