/**
 * One whole dialogue against the real Redis and RabbitMQ on this machine: the three dialogue
 * functions each with their own runtime (as separate pods would have), the AI gateway in-process
 * with the scripted provider, the analytics subscriber consuming its own queue. Checks the state in
 * Redis after every step, the events on the exchange in order with their sequence and headers, the
 * analytics figures, and that the live state is gone after the end.
 */
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import Redis from 'ioredis';
import { type ParleyEvent, DialogueConfigSchema } from '@parley/shared';
import {
  createLogger,
  createDialogueRuntime,
  dialogueKeys,
  decodeAmqpMessage,
  consumeEvents,
  RedisAnalyticsStore,
} from '@parley/shared/composition';
import { TEST_JWT_SECRET, bearer } from '../support/tokens';
import { createApp as startApp } from '../../functions/dialogue-start/app';
import { createApp as messageApp } from '../../functions/dialogue-message/app';
import { createApp as endApp } from '../../functions/dialogue-end/app';
import { createRoutes as analyticsRoutes } from '../../functions/dialogue-analytics/app';
import { createAnalyticsService } from '../../functions/dialogue-analytics/handler';
import { createHttpApp } from '@parley/shared/http';
import { collectSse } from '../support/sse';
import { getJson, listen, postJson } from '../support/http';
import { CHARACTERS_DIR } from '../support/dialogue-harness';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const run = randomBytes(4).toString('hex');
const keyPrefix = `parley-e2e-${run}:`;
const exchange = `parley.e2e.${run}`;
const logger = createLogger('e2e', 'silent');

type Received = {
  event: ParleyEvent;
  headers: Record<string, unknown>;
  messageId?: string;
  contentType?: string;
  routingKey: string;
};
const received: Received[] = [];
const closers: Array<() => Promise<unknown>> = [];
let redis: Redis;
/** The player's bearer token: the functions run in AUTH_MODE=jwt here, as deployed. */
let asPlayer: Record<string, string>;
let urls: { start: string; message: string; end: string; analytics: string };

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const config = DialogueConfigSchema.parse({
    REDIS_URL,
    AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_KEY_PREFIX: keyPrefix,
    CHARACTERS_DIR,
    SCRIPTED_CHUNK_DELAY_MS: '5',
    LOG_LEVEL: 'silent',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
  });
  asPlayer = await bearer('player-e2e');
  // A witness queue bound to the exchange before anything is published.
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, '#');
  await channel.consume(queue, (msg) => {
    if (!msg) return;
    received.push({
      event: decodeAmqpMessage(msg),
      headers: msg.properties.headers ?? {},
      messageId: msg.properties.messageId,
      contentType: msg.properties.contentType,
      routingKey: msg.fields.routingKey,
    });
    channel.ack(msg);
  });
  closers.push(async () => {
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
  });

  const apps = { start: startApp, message: messageApp, end: endApp };
  const listening: Record<string, string> = {};
  for (const [name, createApp] of Object.entries(apps)) {
    const runtime = await createDialogueRuntime(config, { functionName: `dialogue-${name}`, logger });
    const server = await listen(
      createApp(runtime.deps, { logger, readiness: runtime.readiness, access: runtime.access }),
    );
    listening[name] = server.url;
    closers.push(async () => {
      await server.close();
      await runtime.close();
    });
  }

  const analyticsStore = RedisAnalyticsStore.connect(REDIS_URL, { keyPrefix: `${keyPrefix}analytics:` });
  const analytics = createAnalyticsService({ store: analyticsStore });
  const consumer = await consumeEvents({
    url: AMQP_URL,
    exchange,
    queue: `parley.e2e.analytics.${run}`,
    handler: (e) => analytics.handle(e),
    logger,
  });
  const analyticsServer = await listen(createHttpApp({ logger, readiness: {}, routes: analyticsRoutes(analytics) }));
  closers.push(async () => {
    await analyticsServer.close();
    await consumer.close();
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteQueue(`parley.e2e.analytics.${run}`);
    await connection.close();
    await analyticsStore.close();
  });
  urls = { start: listening.start!, message: listening.message!, end: listening.end!, analytics: analyticsServer.url };
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

async function eventually<T>(
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('start, three messages (option, free text over SSE, free text), end: state, events and analytics agree', async () => {
  const keys = dialogueKeys(keyPrefix);
  const storedState = async (id: string) => {
    const raw = await redis.hget(keys.state(id), 's');
    return raw ? JSON.parse(raw) : null;
  };
  const transcriptLength = (id: string) => redis.llen(keys.transcript(id));

  // start
  const started = await postJson(
    `${urls.start}/v1/dialogues`,
    { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
    asPlayer,
  );
  expect(started.status).toBe(201);
  const id: string = started.body.dialogue.id;
  expect(await storedState(id)).toMatchObject({ id, version: 0, status: 'active', playerId: 'player-e2e' });
  expect(await transcriptLength(id)).toBe(1);
  expect(await redis.ttl(keys.state(id))).toBeGreaterThan(3000);

  // message 1: by option
  const option = started.body.options[0];
  const m1 = await postJson(
    `${urls.message}/v1/dialogues/${id}/messages`,
    { messageId: 'e2e-1', optionId: option.id },
    asPlayer,
  );
  expect(m1.status).toBe(200);
  expect(m1.body.playerTurn).toMatchObject({ seq: 1, text: option.text, strategyId: option.strategyId });
  expect(await storedState(id)).toMatchObject({ version: 1, turnCount: 1 });
  expect(await transcriptLength(id)).toBe(3);

  // message 2: free text, streamed, parsed as SSE
  const sse = await fetch(`${urls.message}/v1/dialogues/${id}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...asPlayer },
    body: JSON.stringify({
      messageId: 'e2e-2',
      text: 'Your stew is famous all along the moor road!',
      strategyId: 'flatter',
    }),
  });
  expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const streamed = await collectSse(sse);
  const names = streamed.map((e) => e.event);
  expect(names[0]).toBe('accepted');
  expect(names.filter((n) => n === 'delta').length).toBeGreaterThanOrEqual(2);
  expect(names.slice(-4)).toEqual(['reply', 'changes', 'options', 'done']);
  const reply = streamed.find((e) => e.event === 'reply')!.data as { text: string };
  expect(
    streamed
      .filter((e) => e.event === 'delta')
      .map((e) => (e.data as { text: string }).text)
      .join(''),
  ).toBe(reply.text);
  const afterSse = await storedState(id);
  expect(afterSse).toMatchObject({ version: 2, turnCount: 2 });
  expect(await transcriptLength(id)).toBe(5);

  // message 3: free text, JSON
  const m3 = await postJson(
    `${urls.message}/v1/dialogues/${id}/messages`,
    { messageId: 'e2e-3', text: 'I could pay for a good story.', strategyId: 'bribe' },
    asPlayer,
  );
  expect(m3.status).toBe(200);
  expect(await storedState(id)).toMatchObject({
    version: 3,
    turnCount: 3,
    goalProgress: m3.body.dialogue.goalProgress,
  });
  expect(await transcriptLength(id)).toBe(7);
  const read = await getJson(`${urls.message}/v1/dialogues/${id}`, asPlayer);
  expect(read.body.dialogue.turns.map((t: { seq: number; speaker: string }) => `${t.seq}${t.speaker[0]}`)).toEqual([
    '0c',
    '1p',
    '1c',
    '2p',
    '2c',
    '3p',
    '3c',
  ]);

  // end
  const ended = await postJson(`${urls.end}/v1/dialogues/${id}/end`, { reason: 'done talking' }, asPlayer);
  expect(ended.status).toBe(200);
  expect(ended.body.outcome).toMatchObject({
    dialogueId: id,
    turnCount: 3,
    endedBy: 'player',
    goalProgress: m3.body.dialogue.goalProgress,
  });
  // The live state is gone; the outcome stays readable for the TTL.
  expect(await redis.exists(keys.state(id), keys.transcript(id), keys.turnLock(id))).toBe(0);
  expect(await redis.exists(keys.outcome(id))).toBe(1);
  expect(await redis.ttl(keys.outcome(id))).toBeGreaterThan(3000);
  expect((await postJson(`${urls.end}/v1/dialogues/${id}/end`, {}, asPlayer)).body.outcome).toEqual(ended.body.outcome);
  // Nothing left in the outbox: every event went out.
  await eventually(
    () => redis.llen(keys.outbox(id)),
    (n) => n === 0,
    'empty outbox',
  );

  // events on the exchange, in order, with their sequence, attributes as headers
  const dialogueEvents = await eventually(
    () => received.filter((r) => r.event.subject === id && r.event.type !== 'analytics.logging'),
    (list) => list.length >= 5,
    'five dialogue events',
  );
  expect(dialogueEvents.map((r) => [r.event.type, r.event.sequence, r.event.source])).toEqual([
    ['dialogue.initiate', 0, '/parley/dialogue-start'],
    ['dialogue.progress', 1, '/parley/dialogue-message'],
    ['dialogue.progress', 2, '/parley/dialogue-message'],
    ['dialogue.progress', 3, '/parley/dialogue-message'],
    ['dialogue.resolve', 4, '/parley/dialogue-end'],
  ]);
  for (const r of dialogueEvents) {
    expect(r.routingKey).toBe(r.event.type);
    expect(r.messageId).toBe(r.event.id);
    expect(r.contentType).toBe('application/json');
    expect(r.headers).toMatchObject({
      specversion: '1.0',
      id: r.event.id,
      type: r.event.type,
      source: r.event.source,
      subject: id,
    });
    expect(Number(r.headers.sequence)).toBe(r.event.sequence);
  }
  expect((dialogueEvents[2]!.event.data as { playerTurn: { text: string } }).playerTurn.text).toBe(
    'Your stew is famous all along the moor road!',
  );
  // The resolve event is the outcome, plus what Mara now keeps of the player.
  const { memory, ...resolved } = dialogueEvents[4]!.event.data as {
    memory: { written: Array<{ source: string }>; relationship: { opinion: number } };
  };
  expect(resolved).toEqual(ended.body.outcome);
  expect(memory.relationship.opinion).toBe(ended.body.outcome.opinionChange.to);
  expect(memory.written.length).toBeGreaterThan(0);
  expect(memory.written.every((m) => m.source === 'dialogue')).toBe(true);
  const aiEvents = received.filter((r) => r.event.type === 'analytics.logging' && r.event.subject === id);
  // greeting + options at start, reply + appraise + options per turn, summarize at end
  expect(aiEvents.length).toBeGreaterThanOrEqual(2 + 3 * 3 + 1);

  // analytics figures, from the subscriber that consumed its own queue
  const analytics = await eventually(
    () => getJson(`${urls.analytics}/v1/analytics`).then((r) => r.body),
    (body) => body?.characters?.['innkeeper-mara']?.dialoguesEnded === 1,
    'analytics of the ended dialogue',
  );
  const mara = analytics.characters['innkeeper-mara'];
  expect(mara).toMatchObject({ dialoguesStarted: 1, dialoguesEnded: 1, averageTurns: 3 });
  // Each strategy used is credited by its share of the turns (the option of turn 1 brings its own).
  const used = ended.body.outcome.strategies as Record<string, { turns: number }>;
  expect(Object.values(used).reduce((sum, s) => sum + s.turns, 0)).toBe(3);
  for (const [strategyId, { turns }] of Object.entries(used)) {
    const share = Math.round((turns / 3) * 1000) / 1000;
    expect(mara.goalSuccessRateByStrategy[strategyId]).toMatchObject({
      ended: share,
      achieved: ended.body.outcome.goalAchieved ? share : 0,
      turns,
    });
  }
  expect(mara.averageMoodChange).toBeCloseTo(ended.body.outcome.moodChange.valenceDelta, 5);
  const scripted = await eventually(
    () => getJson(`${urls.analytics}/v1/analytics`).then((r) => r.body.ai?.scripted),
    (s) => (s?.calls ?? 0) >= aiEvents.length,
    'AI call figures',
  );
  expect(scripted.tokens.total).toBeGreaterThan(0);
});
