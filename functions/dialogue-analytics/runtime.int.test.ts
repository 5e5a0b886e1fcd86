import { BadRequest, StoreUnavailable, analyticsReport, type ParleyEvent } from '@parley/shared';
import { AmqpEventPublisher, createLogger, RedisAnalyticsStore } from '@parley/shared/composition';
import { analyticsScenario, expectedScenarioReport } from '../../test/analytics-scenario';
import { getJson, listen } from '../../test/support/http';
import { AMQP_URL, amqpTestBed, eventually } from '../../test/support/amqp-test-kit';
import { REDIS_URL } from '../../test/support/redis-test-kit';
import { ConfigSchema } from './config';
import { createApp } from './app';
import { createRuntime, queueHandler } from './runtime';

const logger = createLogger('test', 'silent');

describe('dialogue-analytics runtime with RabbitMQ and Redis', () => {
  const { exchange, queue, keyPrefix, waiting } = amqpTestBed('analytics');

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

      await eventually(
        () => getJson(`${server.url}/v1/analytics`),
        (r) => JSON.stringify(r.body) === JSON.stringify(expectedScenarioReport),
        'the figures',
      );
      await eventually(waiting, (n) => n === 0, 'an empty queue');
    } finally {
      await publisher.close();
      await server.close();
      // Waits for handlers in flight; anything not acked goes back to the queue.
      await runtime.close();
    }
    // Nothing left over: the malformed event was dropped, not requeued, and duplicates changed nothing.
    expect(await waiting()).toBe(0);
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
    await expect(queueHandler(serviceFailingWith(new StoreUnavailable('down')), logger)(event)).rejects.toBeInstanceOf(
      StoreUnavailable,
    );
  });
});
