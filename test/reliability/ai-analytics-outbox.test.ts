/**
 * AI-call analytics survive a broker outage and a crash: the ai-generate bundle (its outbox in the
 * real Redis, the real RabbitMQ behind a cuttable TCP proxy) answers AI calls while the broker is
 * cut, is killed with SIGKILL, and a new process sends every analytics event once the broker is back.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import amqp from 'amqplib';
import { sampleAppraiseInput } from '@parley/shared/testing';
import { freePort } from '../support/http';
import { TcpProxy } from '../support/tcp-proxy';
import { AMQP_URL, REDIS_URL, startConsumer } from '../support/reliability-kit';

const ROOT = join(__dirname, '..', '..');
const CALLS = 40;
const run = randomUUID().slice(0, 8);
const keyPrefix = `parley-ai-outbox:${run}:`;
const exchange = `parley.ai-outbox.${run}`;
const children: ChildProcess[] = [];

beforeAll(() => {
  execFileSync('node', ['scripts/build.mjs', 'ai-generate'], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.deleteExchange(exchange).catch(() => undefined);
  await connection.close();
});

async function startAiGenerate(amqpUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('node', [join(ROOT, 'dist', 'ai-generate', 'index.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      AMQP_URL: amqpUrl,
      AMQP_EXCHANGE: exchange,
      OUTBOX_RELAY_INTERVAL_MS: '200',
      SCRIPTED_CHUNK_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
    },
  });
  children.push(child);
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ai-generate exited: ${output}`);
    const ready = await fetch(`${url}/readyz`).catch(() => undefined);
    if (ready?.status === 200) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(`${CALLS} AI calls during a broker outage, then kill -9: every analytics event arrives once the broker is back`, async () => {
  const consumer = await startConsumer(exchange);
  const broker = await TcpProxy.forUrl(AMQP_URL);
  try {
    broker.proxy.cut();
    const first = await startAiGenerate(broker.url);
    // Ready while the broker is down: it is a degraded dependency.
    const readiness = (await (await fetch(`${first.url}/readyz`)).json()) as { checks: Record<string, string> };
    expect(readiness.checks.events).toMatch(/^degraded/);
    for (let i = 0; i < CALLS; i++) {
      const res = await fetch(`${first.url}/v1/tasks/dialogue.appraise`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: sampleAppraiseInput({ dialogueId: `${run}-${i}` }) }),
      });
      expect(res.status).toBe(200);
      await res.body?.cancel();
    }
    // Crash with everything still unsent: what survives is what the outbox kept in Redis.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(consumer.ofType('analytics.logging')).toHaveLength(0);

    broker.proxy.restore();
    await startAiGenerate(broker.url);
    await consumer.waitFor('analytics.logging', CALLS, 60_000);
    const analytics = consumer.ofType('analytics.logging');
    const subjects = new Set(analytics.map((a) => a.data.dialogueId));
    console.log(
      `[reliability] AI-call analytics: ${CALLS} calls during a broker outage and a kill -9; ${analytics.length} distinct events arrived (${consumer.rawOfType('analytics.logging').length} raw)`,
    );
    expect(analytics).toHaveLength(CALLS);
    expect(subjects.size).toBe(CALLS);
  } finally {
    await consumer.close();
    await broker.proxy.close();
  }
}, 120_000);
