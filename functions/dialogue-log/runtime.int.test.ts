import { AmqpEventPublisher } from '@parley/shared/composition';
import { analyticsScenario } from '../../test/analytics-scenario';
import { AMQP_URL, amqpTestBed, eventually } from '../../test/support/amqp-test-kit';
import { captureLogger } from '../../test/support/capture-logger';
import { REDIS_URL } from '../../test/support/redis-test-kit';
import { ConfigSchema } from './config';
import { createRuntime } from './runtime';

describe('dialogue-log runtime with RabbitMQ and Redis', () => {
  const { exchange, queue, keyPrefix, waiting } = amqpTestBed('log');

  it('logs each event once across two pods consuming one queue, whatever is redelivered', async () => {
    const config = ConfigSchema.parse({
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      AMQP_URL,
      AMQP_EXCHANGE: exchange,
      AMQP_QUEUE: queue,
    });
    const { logger, lines } = captureLogger();
    const pods = [await createRuntime(config, logger), await createRuntime(config, logger)];
    const publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange });
    const events = analyticsScenario();
    const eventLines = () => lines.filter((l) => l.event !== undefined);
    try {
      await publisher.publish([...events, ...events, ...events]);
      await eventually(
        async () => eventLines().length >= events.length && (await waiting()) === 0,
        (done) => done,
        'every event logged',
      );
    } finally {
      await publisher.close();
      for (const pod of pods) await pod.close();
    }
    expect(await waiting()).toBe(0);
    const ids = eventLines().map((l) => (l.event as { id: string }).id);
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
  });
});
