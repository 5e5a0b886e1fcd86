/**
 * Real processes, really killed: the esbuild bundles (`node dist/<fn>/index.js`) against the real
 * Redis and RabbitMQ (the broker behind a TcpProxy so one round can cut it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { freePort } from '../support/http';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import amqp from 'amqplib';
import { RedisDialogueStore } from '@parley/shared/composition';
import { readSse, type SseEvent } from '../support/sse';
import { TcpProxy } from '../support/tcp-proxy';
import {
  AMQP_URL,
  PLAYER,
  REDIS_URL,
  createDialogue,
  sendTurn,
  sleep,
  startConsumer,
  turnBody,
} from '../support/reliability-kit';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const keyPrefix = `parley-process-faults:${randomUUID().slice(0, 8)}:`;
const exchange = `parley.process-faults.${randomUUID().slice(0, 8)}`;
const procs: ChildProcess[] = [];

beforeAll(() => {
  execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
}, 60_000);

afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.deleteExchange(exchange).catch(() => undefined);
  await connection.close();
});

type Proc = { child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> };

async function runBundle(fn: string, env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const child = spawn('node', [join(ROOT, 'dist', fn, 'index.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      REDIS_URL,
      AMQP_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      AMQP_EXCHANGE: exchange,
      AUTH_MODE: 'none',
      RATE_LIMIT_PLAYER_PER_MINUTE: '0',
      RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
      MAX_ACTIVE_DIALOGUES: '0',
      TURN_LOCK_MS: '1000',
      OUTBOX_RELAY_INTERVAL_MS: '200',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  procs.push(child);
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`${url}/readyz`).catch(() => undefined);
    if (ready?.status === 200) return { child, url, output: () => output, exited };
    await sleep(100);
  }
  throw new Error(`${fn} did not become ready: ${output}`);
}

/** Open a streamed turn and read it until `stopAt` says so (or it ends). */
async function streamTurn(url: string, dialogueId: string, messageId: string, stopAt: (events: SseEvent[]) => boolean) {
  const res = await fetch(`${url}/v1/dialogues/${dialogueId}/messages`, {
    method: 'POST',
    headers: { ...PLAYER, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(turnBody(messageId)),
  });
  const events: SseEvent[] = [];
  const reader = readSse(res)[Symbol.asyncIterator]();
  for (;;) {
    const next = await reader.next().catch(() => ({ done: true as const, value: undefined }));
    if (next.done) return { events, ended: true, rest: reader };
    events.push(next.value);
    if (stopAt(events)) return { events, ended: false, rest: reader };
  }
}

test('kill -9 of the process serving a streaming turn, then restart: each turn applied whole or not at all, no event of an applied turn missing', async () => {
  const broker = await TcpProxy.forUrl(AMQP_URL);
  const consumer = await startConsumer(exchange);
  const direct = RedisDialogueStore.connect(REDIS_URL, { keyPrefix, ttlSeconds: 3600 });
  const start = await runBundle('dialogue-start', {});
  const env = { AMQP_URL: broker.url, SCRIPTED_CHUNK_DELAY_MS: '40' };
  let message = await runBundle('dialogue-message', env);
  try {
    const dialogueId = await createDialogue(start.url);
    const rounds: Array<{ name: string; stopAt: (e: SseEvent[]) => boolean; cutBroker?: boolean }> = [
      { name: 'after accepted', stopAt: (e) => e.some((x) => x.event === 'accepted') },
      { name: 'after 3 deltas', stopAt: (e) => e.filter((x) => x.event === 'delta').length >= 3 },
      { name: 'after the reply', stopAt: (e) => e.some((x) => x.event === 'reply') },
      {
        name: 'after done, broker cut (events only in the outbox)',
        stopAt: (e) => e.some((x) => x.event === 'done'),
        cutBroker: true,
      },
    ];
    const figures: string[] = [];
    let applied = 0;
    for (const [i, round] of rounds.entries()) {
      const messageId = `m-${i}`;
      if (round.cutBroker) broker.proxy.cut();
      const seen = await streamTurn(message.url, dialogueId, messageId, round.stopAt);
      message.child.kill('SIGKILL');
      await message.exited;
      broker.proxy.restore();

      // Consistent at once, before anyone repairs anything: the turn is in the store whole or not at all.
      const state = (await direct.load(dialogueId))!;
      const transcript = await direct.transcript(dialogueId);
      const stored = await direct.turnResult(dialogueId, messageId);
      expect({ version: state.version, transcript: transcript.length, answer: stored !== null }).toEqual({
        version: state.turnCount,
        transcript: 1 + 2 * state.turnCount,
        answer: state.turnCount === applied + 1,
      });
      const appliedBeforeKill = stored !== null;

      message = await runBundle('dialogue-message', env);
      // The player's app sends the same messageId again: replayed if it was applied, applied now if not.
      const retry = await sendTurn(message.url, dialogueId, messageId);
      expect(retry.status).toBe(200);
      expect((retry.body as { replayed: boolean }).replayed).toBe(appliedBeforeKill);
      applied++;
      figures.push(`${round.name}: ${seen.events.length} SSE events read, applied before kill ${appliedBeforeKill}`);
    }
    await consumer.waitFor('dialogue.progress', rounds.length);
    const progress = consumer.ofType('dialogue.progress').filter((p) => p.subject === dialogueId);
    expect(progress.map((p) => p.sequence)).toEqual([1, 2, 3, 4]);
    const final = (await direct.load(dialogueId))!;
    expect(final.version).toBe(4);
    console.log(
      `[reliability] kill -9: ${figures.join('; ')}; final version ${final.version}; progress events raw ` +
        `${consumer.rawOfType('dialogue.progress').length}, distinct ${progress.length}, sequences ${progress.map((p) => p.sequence).join(',')}`,
    );
  } finally {
    message.child.kill('SIGKILL');
    start.child.kill('SIGKILL');
    await direct.close();
    await consumer.close();
    await broker.proxy.close();
  }
});

test('SIGTERM with a stream in flight: no new connections, the stream finishes, the outbox is flushed, exit 0', async () => {
  const consumer = await startConsumer(exchange);
  const direct = RedisDialogueStore.connect(REDIS_URL, { keyPrefix, ttlSeconds: 3600 });
  const start = await runBundle('dialogue-start', {});
  const message = await runBundle('dialogue-message', { SCRIPTED_CHUNK_DELAY_MS: '60' });
  try {
    const dialogueId = await createDialogue(start.url);
    const first = await streamTurn(message.url, dialogueId, 'm-term', (e) => e.some((x) => x.event === 'delta'));
    const signalledAt = Date.now();
    message.child.kill('SIGTERM');
    await sleep(150);
    const newRequest = await fetch(`${message.url}/healthz`).then(
      (r) => `answered ${r.status}`,
      () => 'refused',
    );
    const rest: SseEvent[] = [];
    for (;;) {
      const next = await first.rest.next();
      if (next.done) break;
      rest.push(next.value);
    }
    const streamEndedMs = Date.now() - signalledAt;
    const code = await message.exited;
    const exitMs = Date.now() - signalledAt;
    expect(newRequest).toBe('refused');
    expect(rest.map((e) => e.event).filter((e) => e !== 'delta')).toEqual(['reply', 'changes', 'options', 'done']);
    expect(code).toBe(0);
    expect(message.output()).toMatch(/stopped/);
    expect((await direct.load(dialogueId))!.version).toBe(1);
    await consumer.waitFor('dialogue.progress', 1);
    expect(
      consumer
        .ofType('dialogue.progress')
        .filter((p) => p.subject === dialogueId)
        .map((p) => p.sequence),
    ).toEqual([1]);
    expect(await direct.pendingEvents(dialogueId, 10)).toEqual([]);
    console.log(
      `[reliability] SIGTERM: new connection ${newRequest} 150 ms after the signal; the stream in flight sent ${rest.length} more events ` +
        `and ended with done ${streamEndedMs} ms after it; exit code ${code} after ${exitMs} ms; outbox empty, progress event delivered`,
    );
  } finally {
    message.child.kill('SIGKILL');
    start.child.kill('SIGKILL');
    await direct.close();
    await consumer.close();
  }
});
