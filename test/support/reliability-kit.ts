import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel } from 'amqplib';
import { eventSource, type Logger, type DialogueDeps } from '@parley/shared';
import { createHttpApp, headerAuthenticator } from '@parley/shared/http';
import {
  loadCharacterCatalog,
  RedisDialogueStore,
  AmqpEventPublisher,
  ScriptedProvider,
  AiGateway,
  OutboxRelay,
  ExpirySweeper,
  type RedisTarget,
} from '@parley/shared/composition';
import { createRoutes as startRoutes } from '../../functions/dialogue-start/app';
import { createRoutes as messageRoutes } from '../../functions/dialogue-message/app';
import { createRoutes as endRoutes } from '../../functions/dialogue-end/app';
import { CHARACTERS_DIR } from './dialogue-harness';
import { listen, postJson } from './http';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One "pod" of the dialogue functions as production composes it (Redis store, AMQP publisher behind
 * the outbox relay on its timer, expiry sweeper), on one loopback port; start, message and end routes
 * together. The URLs may point at a TcpProxy so a test can cut the links.
 */
export async function startReplica(options: {
  /** A single-node URL, or any target `connectRedis` takes (cluster, Sentinel). */
  redisUrl: string | RedisTarget;
  amqpUrl: string;
  keyPrefix: string;
  exchange: string;
  logger: Logger;
  ttlSeconds?: number;
  turnLockMs?: number;
  relayIntervalMs?: number;
}) {
  const store = RedisDialogueStore.connect(options.redisUrl, {
    keyPrefix: options.keyPrefix,
    ttlSeconds: options.ttlSeconds ?? 3600,
    commandTimeoutMs: 1000,
  });
  const publisher = AmqpEventPublisher.lazy(options.amqpUrl, {
    exchange: options.exchange,
    logger: options.logger,
    confirmTimeoutMs: 3000,
  });
  const logger = options.logger;
  const ai = new AiGateway({
    provider: new ScriptedProvider({ chunkDelayMs: 0 }),
    fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
    source: eventSource('ai-generate'),
    logger,
  });
  const relay = new OutboxRelay({ store, publisher, logger });
  relay.start(options.relayIntervalMs ?? 200);
  const catalog = loadCharacterCatalog(CHARACTERS_DIR);
  const sweeper = new ExpirySweeper({
    store,
    catalog,
    relay,
    logger,
    source: eventSource('dialogue-message'),
    now: () => new Date(),
  });
  const deps = (fn: string): DialogueDeps => ({
    store,
    ai,
    catalog,
    relay,
    source: eventSource(fn),
    now: () => new Date(),
    newId: randomUUID,
    turnLockMs: options.turnLockMs ?? 2000,
  });
  const access = { auth: headerAuthenticator() };
  const app = createHttpApp({
    logger,
    readiness: { store: () => store.ping() },
    routes: [
      startRoutes(deps('dialogue-start'), { logger, access }),
      messageRoutes(deps('dialogue-message'), { logger, access }),
      endRoutes(deps('dialogue-end'), { access }),
    ],
  });
  const server = await listen(app);
  return {
    url: server.url,
    store,
    relay,
    sweeper,
    async close() {
      relay.stop();
      await sweeper.stop();
      await server.close();
      await publisher.close();
      await store.close();
    },
  };
}

export type Delivery = { id: string; type: string; subject: string; sequence: number; data: Record<string, unknown> };

/**
 * A test consumer on its own queue bound to the exchange, straight to RabbitMQ (never through a
 * proxy). Keeps every raw delivery, and the first delivery of each id in arrival order, as the
 * subscribers' dedupe would see them.
 */
export async function startConsumer(exchange: string) {
  const connection: ChannelModel = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue(`test.reliability.${randomUUID()}`, {
    exclusive: true,
    autoDelete: true,
  });
  await channel.bindQueue(queue, exchange, '#');
  const raw: Delivery[] = [];
  const unique: Delivery[] = [];
  const seen = new Set<string>();
  await channel.consume(queue, (msg) => {
    if (!msg) return;
    const headers = msg.properties.headers ?? {};
    const delivery: Delivery = {
      id: String(msg.properties.messageId ?? headers.id),
      type: String(headers.type),
      subject: String(headers.subject),
      sequence: Number(headers.sequence),
      data: JSON.parse(msg.content.toString()) as Record<string, unknown>,
    };
    raw.push(delivery);
    if (!seen.has(delivery.id)) {
      seen.add(delivery.id);
      unique.push(delivery);
    }
    channel.ack(msg);
  });
  return {
    raw,
    unique,
    ofType: (type: string) => unique.filter((d) => d.type === type),
    rawOfType: (type: string) => raw.filter((d) => d.type === type),
    /** Wait until `count` distinct events of `type` arrived, then a little longer for late duplicates. */
    async waitFor(type: string, count: number, timeoutMs = 20_000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (unique.filter((d) => d.type === type).length < count && Date.now() < until) await sleep(50);
      await sleep(300);
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
}

export const PLAYER = { 'x-player-id': 'player-reliability' };

/**
 * Starts a dialogue as a careful game client does: with an Idempotency-Key, retrying a 503 (retryable: e.g. a
 * Redis command timing out on a busy machine) with the same key, so a retry can never open a second dialogue.
 */
export async function createDialogue(url: string): Promise<string> {
  const headers = { ...PLAYER, 'idempotency-key': `start-${randomUUID()}` };
  for (let attempt = 1; ; attempt++) {
    const res = await postJson(
      `${url}/v1/dialogues`,
      { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
      headers,
    );
    if (res.status === 201) return (res.body as { dialogue: { id: string } }).dialogue.id;
    if (res.status !== 503 || attempt >= 5)
      throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
    await sleep(500);
  }
}

export function turnBody(messageId: string) {
  return { messageId, text: `Your stew is famous, friend (${messageId}).`, strategyId: 'flatter' };
}

/** A player's client: send the turn, and retry while another turn holds the dialogue (409 TurnInFlight). */
export async function sendTurn(url: string, dialogueId: string, messageId: string, retries = { count: 0 }) {
  for (;;) {
    const res = await postJson(`${url}/v1/dialogues/${dialogueId}/messages`, turnBody(messageId), PLAYER);
    const code = (res.body as { error?: { code?: string } } | null)?.error?.code;
    if (res.status === 409 && (code === 'TurnInFlight' || code === 'VersionConflict')) {
      retries.count++;
      await sleep(5 + Math.random() * 20);
      continue;
    }
    return res;
  }
}
