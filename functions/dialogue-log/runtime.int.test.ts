import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { AmqpEventPublisher } from '@parley/shared/composition';
import { analyticsScenario } from '../../test/analytics-scenario';
import { captureLogger } from '../../test/support/capture-logger';
import { REDIS_URL, deleteKeysUnder } from '../../test/support/redis-test-kit';
import { ConfigSchema } from './config';
import { createRuntime } from './runtime';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dialogue-log runtime with RabbitMQ and Redis', () => {
  const id = randomUUID();
  const exchange = `test.log.${id}`;
  const queue = `test.log.${id}`;
  const keyPrefix = `test:${id}:`;
  let admin: amqp.ChannelModel;
  let channel: amqp.Channel;

  beforeAll(async () => {
    admin = await amqp.connect(AMQP_URL);
    channel = await admin.createChannel();
  });
  afterAll(async () => {
    await channel.deleteQueue(queue).catch(() => undefined);
    await channel.deleteExchange(exchange).catch(() => undefined);
    await admin.close();
    await deleteKeysUnder([keyPrefix]);
  });

  it('logs each event once across two pods consuming one queue, whatever is redelivered', async () => {
    const config = ConfigSchema.parse({ REDIS_URL, REDIS_KEY_PREFIX: keyPrefix, AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE: queue });
    const { logger, lines } = captureLogger();
    const pods = [await createRuntime(config, logger), await createRuntime(config, logger)];
    const publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange });
    const events = analyticsScenario();
    const eventLines = () => lines.filter((l) => l.event !== undefined);
    try {
      await publisher.publish([...events, ...events, ...events]);
      await until(async () => eventLines().length >= events.length && (await channel.checkQueue(queue)).messageCount === 0, 'every event logged');
    } finally {
      await publisher.close();
      for (const pod of pods) await pod.close();
    }
    expect((await channel.checkQueue(queue)).messageCount).toBe(0);
    const ids = eventLines().map((l) => (l.event as { id: string }).id);
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
  });
});
