import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { BadRequest, StoreUnavailable, analyticsReport, type ParleyEvent } from '@parley/shared';
import { AmqpEventPublisher, createLogger, RedisAnalyticsStore } from '@parley/shared/composition';
import { analyticsScenario, expectedScenarioReport } from '../../test/analytics-scenario';
import { getJson, listen } from '../../test/support/http';
import { REDIS_URL, deleteKeysUnder } from '../../test/support/redis-test-kit';
import { ConfigSchema } from './config';
import { createApp } from './app';
import { createRuntime, queueHandler } from './runtime';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const logger = createLogger('test', 'silent');

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dialogue-analytics runtime with RabbitMQ and Redis', () => {
  const id = randomUUID();
  const exchange = `test.analytics.${id}`;
  const queue = `test.analytics.${id}`;
  const keyPrefix = `test:${id}:`;
  let admin: amqp.ChannelModel;
  let adminChannel: amqp.Channel;

  beforeAll(async () => {
    admin = await amqp.connect(AMQP_URL);
    adminChannel = await admin.createChannel();
  });
  afterAll(async () => {
    await adminChannel.deleteQueue(queue).catch(() => undefined);
    await adminChannel.deleteExchange(exchange).catch(() => undefined);
    await admin.close();
    await deleteKeysUnder([keyPrefix]);
  });

  it('counts the events published to the exchange once each, and drops what it can never count', async () => {
    const config = ConfigSchema.parse({
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      AMQP_URL,
      AMQP_EXCHANGE: exchange,
      AMQP_QUEUE: queue,
      LOG_LEVEL: 'silent',
    });
    const runtime = await createRuntime(config, logger);
    const server = await listen(createApp({ service: runtime.service, logger, readiness: runtime.readiness }));
    const publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange });
    try {
      expect((await getJson(`${server.url}/v1/analytics`)).body).toEqual({ characters: {}, ai: {}, tasks: {} });
      const events = analyticsScenario();
      const resolve = events.find((e) => e.type === 'dialogue.resolve')!;
      const malformed: ParleyEvent = { ...resolve, id: `${resolve.id}.malformed`, data: { summary: 'no outcome' } };
      // Each event twice (a redelivery), and one that a retry can never fix.
      await publisher.publish([...events, malformed, ...events]);

      await until(() => getJson(`${server.url}/v1/analytics`), (r) => JSON.stringify(r.body) === JSON.stringify(expectedScenarioReport), 'the figures');
      await until(() => adminChannel.checkQueue(queue), (q) => q.messageCount === 0, 'an empty queue');
    } finally {
      await publisher.close();
      await server.close();
      // Waits for handlers in flight; anything not acked goes back to the queue.
      await runtime.close();
    }
    // Nothing left over: the malformed event was dropped, not requeued, and duplicates changed nothing.
    expect((await adminChannel.checkQueue(queue)).messageCount).toBe(0);
    const store = RedisAnalyticsStore.connect(REDIS_URL, { keyPrefix });
    try {
      expect(analyticsReport(await store.counters())).toEqual(expectedScenarioReport);
    } finally {
      await store.close();
    }
  });
});

describe('queueHandler', () => {
  const event = analyticsScenario()[0]!;
  const serviceFailingWith = (err: Error) => ({
    handle: async () => {
      throw err;
    },
    report: async () => ({ characters: {}, ai: {}, tasks: {} }),
  });

  it('resolves (the message is acked and dropped) for an event that can never be counted', async () => {
    await expect(queueHandler(serviceFailingWith(new BadRequest('bad data')), logger)(event)).resolves.toBeUndefined();
  });

  it('rejects (the message is redelivered) when the store is down', async () => {
    await expect(queueHandler(serviceFailingWith(new StoreUnavailable('down')), logger)(event)).rejects.toBeInstanceOf(StoreUnavailable);
  });
});
