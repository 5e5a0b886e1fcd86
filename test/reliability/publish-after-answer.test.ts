/**
 * A turn answers before its events are published: real Redis and RabbitMQ, the broker link cut for
 * real by a TCP proxy while turns are answered. The outbox keeps the events; once the link is back
 * the relay's timer publishes them, in order, none missing.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger } from '@parley/shared/composition';
import { TcpProxy } from '../support/tcp-proxy';
import {
  AMQP_URL,
  REDIS_URL,
  createDialogue,
  sendTurn,
  sleep,
  startConsumer,
  startReplica,
} from '../support/reliability-kit';

jest.setTimeout(60_000);

const logger = createLogger('reliability-test', 'silent');
const keyPrefix = `parley-publish-after:${randomUUID().slice(0, 8)}:`;

afterAll(async () => {
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

test('broker link cut during the answers: every turn answers 200, and once the link is back its events arrive in order, none missing', async () => {
  const exchange = `parley.publish-after.${randomUUID().slice(0, 8)}`;
  const broker = await TcpProxy.forUrl(AMQP_URL);
  const consumer = await startConsumer(exchange);
  const replica = await startReplica({ redisUrl: REDIS_URL, amqpUrl: broker.url, keyPrefix, exchange, logger });
  try {
    const dialogueId = await createDialogue(replica.url);
    await consumer.waitFor('dialogue.initiate', 1);
    broker.proxy.cut();
    const TURNS = 4;
    for (let t = 1; t <= TURNS; t++) {
      const res = await sendTurn(replica.url, dialogueId, `m-${t}`);
      expect(res.status).toBe(200);
      expect((res.body as { playerTurn: { seq: number } }).playerTurn.seq).toBe(t);
    }
    // Answered, none published: the turns' events wait in the dialogue's outbox, oldest first.
    const waiting = (await replica.store.pendingEvents(dialogueId, 100)).map((e) => e.id);
    expect(waiting.length).toBeGreaterThanOrEqual(TURNS);
    expect(consumer.ofType('dialogue.progress')).toEqual([]);

    broker.proxy.restore();
    const until = Date.now() + 30_000;
    const arrived = () => consumer.unique.map((d) => d.id).filter((id) => waiting.includes(id));
    while (arrived().length < waiting.length && Date.now() < until) await sleep(50);
    expect(arrived()).toEqual(waiting);
    expect(consumer.ofType('dialogue.progress').map((d) => d.sequence)).toEqual([1, 2, 3, 4]);
    // Acknowledged after the broker's confirm, which may come just after the delivery.
    while ((await replica.store.pendingEvents(dialogueId, 100)).length > 0 && Date.now() < until) await sleep(50);
    expect(await replica.store.pendingEvents(dialogueId, 100)).toEqual([]);
  } finally {
    await replica.close();
    await consumer.close();
    await broker.proxy.close();
  }
});
