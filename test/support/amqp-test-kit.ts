import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { deleteKeysUnder } from './redis-test-kit';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * A fresh exchange, queue and Redis key prefix for one test file (other runs share the broker and
 * Redis), with an admin `channel` to inspect the queue. Registers jest's beforeAll/afterAll: at the
 * end the queue and exchange are deleted and the keys under the prefix removed.
 */
export function amqpTestBed(name: string) {
  const id = randomUUID();
  let admin: amqp.ChannelModel | undefined;
  let channel: amqp.Channel | undefined;
  beforeAll(async () => {
    admin = await amqp.connect(AMQP_URL);
    channel = await admin.createChannel();
  });
  afterAll(async () => {
    await channel?.deleteQueue(bed.queue).catch(() => undefined);
    await channel?.deleteExchange(bed.exchange).catch(() => undefined);
    await admin?.close();
    await deleteKeysUnder([bed.keyPrefix]);
  });
  const bed = {
    exchange: `test.${name}.${id}`,
    queue: `test.${name}.${id}`,
    keyPrefix: `test:${id}:`,
    /** Messages waiting in the test queue. */
    async waiting(): Promise<number> {
      if (!channel) throw new Error('amqpTestBed: used outside a test');
      return (await channel.checkQueue(bed.queue)).messageCount;
    },
  };
  return bed;
}

/**
 * `read()` again every 50 ms until `done` accepts its value, which is returned; throws naming `what`
 * (and the last value) after `timeoutMs`, a deadline for a busy machine, not a measure of speed.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
