/**
 * A broker outage under load, on the deployed shape: every function its own process from its bundle
 * (ai-generate its own app, the dialogue functions calling it over HTTP at AI_URL, the two subscribers
 * consuming their queues), all on the shared Redis under this run's prefix, and all reaching RabbitMQ
 * through one cuttable TCP proxy. 20 dialogues x 15 turns: 5 turns each before the cut, 5 while the
 * broker is unreachable (the link stays cut for at least 10 s), 5 after, then each dialogue is ended.
 * While it is cut, every function's /readyz is polled: each must answer 200 every time. At a consumer
 * bound straight to the broker, every dialogue event arrives (by id, per dialogue in sequence order)
 * and every AI call's `analytics.logging` event arrives (the calls counted by ai-generate's own metrics).
 *
 * The Redis half of the same acceptance (Redis restarted from its AOF mid-load, every dialogue accepting
 * a new turn within 5 s of Redis answering) is redis-restart.test.ts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import amqp from 'amqplib';
import { freePort, postJson } from '../support/http';
import { TcpProxy } from '../support/tcp-proxy';
import { flatteringLine } from '../support/player-lines';
import { AMQP_URL, REDIS_URL, sleep, startConsumer } from '../support/reliability-kit';

const ROOT = join(__dirname, '..', '..');
const DIALOGUES = 20;
const TURNS = 15;
const OUTAGE_MS = 10_000;
const FUNCTIONS = [
  'ai-generate',
  'dialogue-start',
  'dialogue-message',
  'dialogue-end',
  'dialogue-log',
  'dialogue-analytics',
] as const;
type Fn = (typeof FUNCTIONS)[number];

const run = randomUUID().slice(0, 8);
const keyPrefix = `parley-outage-load:${run}:`;
const exchange = `parley.outage-load.${run}`;
const queues = [`parley.outage-load.${run}.log`, `parley.outage-load.${run}.analytics`];
const deadLetter = `parley.outage-load.${run}.dead-letter`;
const children: ChildProcess[] = [];

beforeAll(() => {
  execFileSync('node', ['scripts/build.mjs', ...FUNCTIONS], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  for (const queue of [...queues, deadLetter]) await channel.deleteQueue(queue).catch(() => undefined);
  for (const name of [exchange, deadLetter]) await channel.deleteExchange(name).catch(() => undefined);
  await connection.close();
});

/** Starts a bundle as its main.ts runs in a pod and waits until /readyz answers 200. */
async function startFunction(fn: Fn, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn('node', [join(ROOT, 'dist', fn, 'index.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      LOG_LEVEL: 'error',
      AUTH_MODE: 'none',
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      AMQP_EXCHANGE: exchange,
      OUTBOX_RELAY_INTERVAL_MS: '500',
      SCRIPTED_CHUNK_DELAY_MS: '0',
      RATE_LIMIT_PLAYER_PER_MINUTE: '0',
      RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
      MAX_ACTIVE_DIALOGUES: '0',
      ...env,
    },
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${fn} exited: ${output}`);
    const ready = await fetch(`${url}/readyz`).catch(() => undefined);
    if (ready?.status === 200) return url;
    if (Date.now() > until) throw new Error(`${fn} not ready within 60 s: ${output}`);
    await sleep(100);
  }
}

/** Polls every function's /readyz until stopped; keeps each answer that was not 200. */
function pollReadiness(urls: Record<Fn, string>) {
  let polling = true;
  const notReady: string[] = [];
  let polls = 0;
  const loop = (async () => {
    while (polling) {
      await Promise.all(
        FUNCTIONS.map(async (fn) => {
          const res = await fetch(`${urls[fn]}/readyz`).catch((err: unknown) => ({ status: String(err) }));
          polls++;
          if (res.status !== 200) notReady.push(`${fn}: ${res.status}`);
        }),
      );
      await sleep(250);
    }
  })();
  return {
    async stop() {
      polling = false;
      await loop;
      return { polls, notReady };
    },
  };
}

type Played = { id: string; player: string; applied: number; endedByCharacter: boolean };

/** Turns `from`..`to` of one dialogue, one after the other, as its player's client sends them. */
async function playTurns(message: string, dialogue: Played, from: number, to: number): Promise<void> {
  for (let n = from; n <= to && !dialogue.endedByCharacter; n++) {
    const res = await postJson(
      `${message}/v1/dialogues/${dialogue.id}/messages`,
      { messageId: `turn-${n}`, text: flatteringLine(n), strategyId: 'flatter' },
      { 'x-player-id': dialogue.player },
    );
    if (res.status === 409 && res.body?.error?.code === 'DialogueEnded') {
      dialogue.endedByCharacter = true;
      return;
    }
    if (res.status !== 200)
      throw new Error(`turn ${n} of ${dialogue.id} answered ${res.status}: ${JSON.stringify(res.body)}`);
    dialogue.applied++;
    if (res.body.outcome) dialogue.endedByCharacter = true;
  }
}

/** The AI calls ai-generate made, by its own metrics: one `analytics.logging` event is due for each. */
async function aiCallsMade(aiUrl: string): Promise<number> {
  const text = await (await fetch(`${aiUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('parley_ai_call_duration_seconds_count'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

test(`broker cut for ${OUTAGE_MS / 1000} s during ${DIALOGUES} dialogues x ${TURNS} turns: every function stays ready, no dialogue event and no AI-call analytics event missing`, async () => {
  const consumer = await startConsumer(exchange);
  const broker = await TcpProxy.forUrl(AMQP_URL);
  try {
    const urls = {} as Record<Fn, string>;
    urls['ai-generate'] = await startFunction('ai-generate', { AMQP_URL: broker.url });
    const common = { AMQP_URL: broker.url, AI_URL: urls['ai-generate'] };
    for (const fn of ['dialogue-start', 'dialogue-message', 'dialogue-end'] as const)
      urls[fn] = await startFunction(fn, common);
    urls['dialogue-log'] = await startFunction('dialogue-log', {
      AMQP_URL: broker.url,
      AMQP_QUEUE: queues[0]!,
      AMQP_DEAD_LETTER: deadLetter,
    });
    urls['dialogue-analytics'] = await startFunction('dialogue-analytics', {
      AMQP_URL: broker.url,
      AMQP_QUEUE: queues[1]!,
      AMQP_DEAD_LETTER: deadLetter,
    });

    const dialogues: Played[] = await Promise.all(
      Array.from({ length: DIALOGUES }, async (_, i) => {
        const res = await postJson(
          `${urls['dialogue-start']}/v1/dialogues`,
          { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
          { 'x-player-id': `player-${i}` },
        );
        if (res.status !== 201) throw new Error(`start answered ${res.status}: ${JSON.stringify(res.body)}`);
        return { id: res.body.dialogue.id as string, player: `player-${i}`, applied: 0, endedByCharacter: false };
      }),
    );
    const play = (from: number, to: number) =>
      Promise.all(dialogues.map((d) => playTurns(urls['dialogue-message'], d, from, to)));

    await play(1, 5);
    const readiness = pollReadiness(urls);
    broker.proxy.cut();
    const cutAt = Date.now();
    await play(6, 10);
    const turnsDuringCut = dialogues.reduce((sum, d) => sum + Math.max(0, Math.min(d.applied, 10) - 5), 0);
    // The outage lasts at least OUTAGE_MS however fast the turns went.
    while (Date.now() < cutAt + OUTAGE_MS) await sleep(cutAt + OUTAGE_MS - Date.now() + 1);
    const cutMs = Date.now() - cutAt;
    broker.proxy.restore();
    // Readiness is watched a little past the restore too: reconnecting must not flap it either.
    await sleep(1_000);
    const { polls, notReady } = await readiness.stop();
    await play(11, TURNS);
    for (const d of dialogues) {
      if (d.endedByCharacter) continue;
      const res = await postJson(`${urls['dialogue-end']}/v1/dialogues/${d.id}/end`, {}, { 'x-player-id': d.player });
      expect({ id: d.id, status: res.status }).toEqual({ id: d.id, status: 200 });
    }

    // Due at the consumer: per dialogue, initiate (0), one progress per applied turn (1..n), resolve (n + 1).
    const due = new Map(dialogues.map((d) => [d.id, Array.from({ length: d.applied + 2 }, (_, i) => i)]));
    const dialogueEventsDue = [...due.values()].reduce((sum, seqs) => sum + seqs.length, 0);
    // A call's analytics are recorded as it finishes: read the count again while waiting.
    let aiCalls = await aiCallsMade(urls['ai-generate']);
    const dialogueEvents = () => consumer.unique.filter((e) => e.type.startsWith('dialogue.') && due.has(e.subject));
    const until = Date.now() + 60_000;
    while (
      (dialogueEvents().length < dialogueEventsDue || consumer.ofType('analytics.logging').length < aiCalls) &&
      Date.now() < until
    ) {
      await sleep(250);
      aiCalls = await aiCallsMade(urls['ai-generate']);
    }
    await sleep(500);
    aiCalls = await aiCallsMade(urls['ai-generate']);

    const arrived = new Map<string, number[]>();
    for (const e of dialogueEvents()) arrived.set(e.subject, [...(arrived.get(e.subject) ?? []), e.sequence]);
    const missing = [...due].flatMap(([id, seqs]) =>
      seqs.filter((s) => !(arrived.get(id) ?? []).includes(s)).map((s) => `${id}#${s}`),
    );
    const analytics = consumer.ofType('analytics.logging');
    const applied = dialogues.reduce((sum, d) => sum + d.applied, 0);
    console.log(
      `[reliability] broker outage under load: ${DIALOGUES} dialogues, ${applied} turns (${turnsDuringCut} while cut), broker cut ${cutMs} ms; ` +
        `/readyz polled ${polls} times across ${FUNCTIONS.length} functions, ${notReady.length} not 200; ` +
        `dialogue events ${dialogueEvents().length} of ${dialogueEventsDue} (${missing.length} missing); ` +
        `AI calls ${aiCalls}, analytics events ${analytics.length} (${consumer.rawOfType('analytics.logging').length} raw)`,
    );

    expect(notReady).toEqual([]);
    // At least five rounds over every function, however slow a busy machine makes each round.
    expect(polls).toBeGreaterThanOrEqual(FUNCTIONS.length * 5);
    expect(turnsDuringCut).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    // Per dialogue, in order: the first copy of each event arrives after the one before it.
    for (const [id, seqs] of due) expect({ id, sequences: arrived.get(id) }).toEqual({ id, sequences: seqs });
    expect(aiCalls).toBeGreaterThanOrEqual(2 * DIALOGUES + applied);
    expect(analytics).toHaveLength(aiCalls);
  } finally {
    await consumer.close();
    await broker.proxy.close();
  }
}, 240_000);
