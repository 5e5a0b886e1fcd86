/**
 * The baseline of `npm run bench`: a bare express route doing what a turn minimally must (one
 * Redis GET, one SET, one publish with confirm), with none of Parley's validation, locking or AI.
 * Bundled and run as its own process, like the functions.
 */
import express from 'express';
import { Redis } from 'ioredis';
import amqp from 'amqplib';

async function main() {
  const port = Number(process.env.PORT ?? 8090);
  const prefix = process.env.REDIS_KEY_PREFIX ?? 'bench:baseline:';
  const exchange = process.env.AMQP_EXCHANGE ?? 'parley.bench';
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const connection = await amqp.connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const app = express();
  app.use(express.json());
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready' });
  });
  app.post('/turn/:id', async (req, res) => {
    const key = `${prefix}${req.params.id}`;
    const previous = await redis.get(key);
    const next = JSON.stringify({
      n: previous ? (JSON.parse(previous) as { n: number }).n + 1 : 1,
      text: req.body?.text,
    });
    await redis.set(key, next, 'EX', 600);
    await new Promise<void>((resolve, reject) =>
      channel.publish(
        exchange,
        'dialogue.progress',
        Buffer.from(next),
        { persistent: true, contentType: 'application/json' },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    res.json({ ok: true, state: next });
  });
  app.listen(port, () => process.stdout.write(`baseline listening on ${port}\n`));
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline: ${String(err)}\n`);
  process.exit(1);
});
