/**
 * Nothing lost (docs/operations.md): real Redis and RabbitMQ, links cut for real by a TCP proxy. Each test
 * prints the figures it measured (docs/operations.md quotes them).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DialogueState } from '@parley/shared';
import { createLogger, RedisDialogueStore } from '@parley/shared/composition';
import { getJson, postJson } from '../support/http';
import { TcpProxy } from '../support/tcp-proxy';
import {
  AMQP_URL,
  PLAYER,
  REDIS_URL,
  createDialogue,
  sendTurn,
  sleep,
  startConsumer,
  startReplica,
  turnBody,
} from '../support/reliability-kit';

jest.setTimeout(60_000);

const logger = createLogger('reliability-test', 'silent');
const prefixes: string[] = [];
const newPrefix = () => {
  const prefix = `parley-reliability:${randomUUID().slice(0, 8)}:`;
  prefixes.push(prefix);
  return prefix;
};
const newExchange = () => `parley.reliability.${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  const admin = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  }
  await admin.quit();
  // Test exchanges are durable: remove them.
  const amqp = await import('amqplib');
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  for (const exchange of exchanges) await channel.deleteExchange(exchange).catch(() => undefined);
  await connection.close();
});
const exchanges: string[] = [];
const exchangeFor = () => {
  const exchange = newExchange();
  exchanges.push(exchange);
  return exchange;
};

/** The stored dialogue is whole: version = turns applied, transcript = greeting + 2 per turn, seqs consecutive. */
async function assertWhole(store: RedisDialogueStore, dialogueId: string): Promise<DialogueState> {
  const state = (await store.load(dialogueId))!;
  const transcript = await store.transcript(dialogueId);
  expect({ version: state.version, transcript: transcript.length }).toEqual({
    version: state.turnCount,
    transcript: 1 + 2 * state.turnCount,
  });
  expect(transcript.slice(1).map((t) => t.seq)).toEqual(
    Array.from({ length: state.turnCount }, (_, i) => [i + 1, i + 1]).flat(),
  );
  return state;
}

test('200 concurrent requests with 50 distinct messageIds on one dialogue: 50 turns, duplicates get the first answer, 50 progress events', async () => {
  const keyPrefix = newPrefix();
  const exchange = exchangeFor();
  const consumer = await startConsumer(exchange);
  const replica = await startReplica({ redisUrl: REDIS_URL, amqpUrl: AMQP_URL, keyPrefix, exchange, logger });
  try {
    const dialogueId = await createDialogue(replica.url);
    const retries = { count: 0 };
    const ids = Array.from({ length: 50 }, (_, i) => `m-${i}`);
    const requests = ids.flatMap((id) => [id, id, id, id]).sort(() => Math.random() - 0.5);
    const started = Date.now();
    const answers = await Promise.all(
      requests.map(async (messageId) => ({
        messageId,
        res: await sendTurn(replica.url, dialogueId, messageId, retries),
      })),
    );
    const elapsedMs = Date.now() - started;

    expect(answers.filter((a) => a.res.status !== 200).map((a) => [a.res.status, a.res.body])).toEqual([]);
    const byId = new Map<string, Array<{ seq: number; reply: string; replayed: boolean }>>();
    for (const { messageId, res } of answers) {
      const body = res.body as { playerTurn: { seq: number }; reply: { text: string }; replayed: boolean };
      byId.set(messageId, [
        ...(byId.get(messageId) ?? []),
        { seq: body.playerTurn.seq, reply: body.reply.text, replayed: body.replayed },
      ]);
    }
    for (const [, got] of byId) {
      // Every duplicate carries its original's answer; exactly one of the four applied it.
      expect(new Set(got.map((g) => `${g.seq}|${g.reply}`)).size).toBe(1);
      expect(got.filter((g) => !g.replayed)).toHaveLength(1);
    }
    expect(new Set([...byId.values()].map((g) => g[0]!.seq))).toEqual(
      new Set(Array.from({ length: 50 }, (_, i) => i + 1)),
    );
    const state = await assertWhole(replica.store, dialogueId);
    expect(state.version).toBe(50);

    await consumer.waitFor('dialogue.progress', 50);
    const progress = consumer.ofType('dialogue.progress');
    const raw = consumer.rawOfType('dialogue.progress');
    expect(progress).toHaveLength(50);
    expect(raw).toHaveLength(50);
    expect(progress.map((d) => d.sequence)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    console.log(
      `[reliability] concurrency: ${requests.length} requests, ${ids.length} messageIds, ${retries.count} client retries after 409 TurnInFlight, ` +
        `${elapsedMs} ms; final version ${state.version}; progress events raw ${raw.length}, distinct ${progress.length}`,
    );
  } finally {
    await replica.close();
    await consumer.close();
  }
});

test('broker link cut for the middle third of 300 turns over 20 dialogues on two replicas: every turn succeeds, all 300 progress events arrive in order', async () => {
  const keyPrefix = newPrefix();
  const exchange = exchangeFor();
  const broker = await TcpProxy.forUrl(AMQP_URL);
  const consumer = await startConsumer(exchange);
  const replicas = [
    await startReplica({ redisUrl: REDIS_URL, amqpUrl: broker.url, keyPrefix, exchange, logger }),
    await startReplica({ redisUrl: REDIS_URL, amqpUrl: broker.url, keyPrefix, exchange, logger }),
  ];
  try {
    const dialogues = await Promise.all(Array.from({ length: 20 }, (_, i) => createDialogue(replicas[i % 2]!.url)));
    const TURNS = 15;
    let done = 0;
    const failures: unknown[] = [];
    let publishedBeforeRestore = 0;
    const started = Date.now();
    await Promise.all(
      dialogues.map(async (dialogueId, d) => {
        for (let t = 0; t < TURNS; t++) {
          const replica = replicas[(d + t) % 2]!;
          const res = await sendTurn(replica.url, dialogueId, `m-${t}`);
          if (res.status !== 200) failures.push([res.status, res.body]);
          done++;
          if (done === 100) broker.proxy.cut();
          if (done === 200) {
            publishedBeforeRestore = consumer.ofType('dialogue.progress').length;
            broker.proxy.restore();
          }
        }
      }),
    );
    const turnsMs = Date.now() - started;
    expect(failures).toEqual([]);
    expect(done).toBe(300);

    const restored = Date.now();
    await consumer.waitFor('dialogue.progress', 300, 30_000);
    const catchUpMs = Date.now() - restored;
    const progress = consumer.ofType('dialogue.progress');
    const raw = consumer.rawOfType('dialogue.progress');
    expect(progress).toHaveLength(300);
    for (const dialogueId of dialogues) {
      // In order per dialogue, after dedupe by id, as the subscribers see them.
      expect(progress.filter((p) => p.subject === dialogueId).map((p) => p.sequence)).toEqual(
        Array.from({ length: TURNS }, (_, i) => i + 1),
      );
      expect((await assertWhole(replicas[0]!.store, dialogueId)).version).toBe(TURNS);
    }
    console.log(
      `[reliability] broker cut: 300 turns over 20 dialogues on 2 replicas in ${turnsMs} ms, all 200; ${publishedBeforeRestore} progress events ` +
        `out before the link returned, all 300 distinct ${catchUpMs} ms after; raw deliveries ${raw.length}, distinct ${progress.length}; ` +
        `proxy connections accepted ${broker.proxy.accepted}, refused while cut ${broker.proxy.refused}`,
    );
  } finally {
    for (const r of replicas) await r.close();
    await consumer.close();
    await broker.proxy.close();
  }
});

test('Redis link cut mid-run: 503 with Retry-After, no half-applied turn, the same dialogues continue after it returns', async () => {
  const keyPrefix = newPrefix();
  const exchange = exchangeFor();
  const redis = await TcpProxy.forUrl(REDIS_URL);
  const consumer = await startConsumer(exchange);
  const replica = await startReplica({ redisUrl: redis.url, amqpUrl: AMQP_URL, keyPrefix, exchange, logger });
  const direct = RedisDialogueStore.connect(REDIS_URL, { keyPrefix, ttlSeconds: 3600 });
  try {
    const dialogues = await Promise.all(Array.from({ length: 10 }, () => createDialogue(replica.url)));
    const statuses = new Map<number, number>();
    let missingRetryAfter = 0;
    let cutAt = 0;
    let restoredAt = 0;
    let sent = 0;
    // Each dialogue plays 6 turns; the link is cut after 20 answers and restored 1 s later. A client
    // retries the same messageId after a 503, as a player's app would.
    const run = dialogues.map(async (dialogueId) => {
      for (let t = 0; t < 6; t++) {
        for (;;) {
          const res = await sendTurn(replica.url, dialogueId, `m-${t}`);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 503 && !res.headers.get('retry-after')) missingRetryAfter++;
          if (res.status === 200) break;
          expect([503]).toContain(res.status);
          await sleep(100);
        }
        if (++sent === 20) {
          redis.proxy.cut();
          cutAt = Date.now();
          setTimeout(() => {
            redis.proxy.restore();
            restoredAt = Date.now();
          }, 1000);
        }
      }
    });
    await Promise.all(run);
    const during = {
      get: await getJson(`${replica.url}/v1/dialogues/${dialogues[0]}`, PLAYER),
    };
    // Every route answers 503 while Redis is away.
    redis.proxy.cut();
    const whileCut = [
      await postJson(
        `${replica.url}/v1/dialogues`,
        { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
        PLAYER,
      ),
      await postJson(`${replica.url}/v1/dialogues/${dialogues[0]}/messages`, turnBody('late'), PLAYER),
      await postJson(`${replica.url}/v1/dialogues/${dialogues[0]}/end`, {}, PLAYER),
      {
        status: (await fetch(`${replica.url}/v1/dialogues/${dialogues[0]}`, { headers: PLAYER })).status,
        headers: new Headers(),
      },
    ];
    redis.proxy.restore();
    expect(whileCut.map((r) => r.status)).toEqual([503, 503, 503, 503]);
    expect(whileCut.slice(0, 3).map((r) => r.headers.get('retry-after'))).toEqual(['1', '1', '1']);
    expect(during.get.status).toBe(200);
    expect(missingRetryAfter).toBe(0);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(500) ?? 0).toBe(0);

    let resumeMs = 0;
    for (;;) {
      const res = await getJson(`${replica.url}/v1/dialogues/${dialogues[0]}`, PLAYER);
      if (res.status === 200) break;
      resumeMs += 100;
      await sleep(100);
    }
    for (const dialogueId of dialogues) expect((await assertWhole(direct, dialogueId)).version).toBe(6);
    // The same dialogues continue.
    for (const dialogueId of dialogues) expect((await sendTurn(replica.url, dialogueId, 'after')).status).toBe(200);
    for (const dialogueId of dialogues) expect((await assertWhole(direct, dialogueId)).version).toBe(7);
    await consumer.waitFor('dialogue.progress', 70);
    expect(consumer.ofType('dialogue.progress')).toHaveLength(70);
    console.log(
      `[reliability] redis cut: answers by status ${JSON.stringify(Object.fromEntries(statuses))} (every 503 with Retry-After), ` +
        `link down ${restoredAt - cutAt} ms, 10 dialogues whole (version = turns, transcript = 1 + 2 x turns) and continued to 7 turns; ` +
        `70/70 progress events; reads answered again ${resumeMs} ms after the second restore`,
    );
  } finally {
    await replica.close();
    await direct.close();
    await consumer.close();
    await redis.proxy.close();
  }
});

test('idle dialogues expire with endedBy "timeout" exactly once, whichever of two replicas notices', async () => {
  const keyPrefix = newPrefix();
  const exchange = exchangeFor();
  const consumer = await startConsumer(exchange);
  const replicas = [
    await startReplica({ redisUrl: REDIS_URL, amqpUrl: AMQP_URL, keyPrefix, exchange, logger, ttlSeconds: 1 }),
    await startReplica({ redisUrl: REDIS_URL, amqpUrl: AMQP_URL, keyPrefix, exchange, logger, ttlSeconds: 1 }),
  ];
  try {
    // When each dialogue's last write began: its deadline is at least that plus the TTL.
    const lastActivity = new Map<string, number>();
    const dialogues = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const began = Date.now();
        const id = await createDialogue(replicas[i % 2]!.url);
        lastActivity.set(id, began);
        return id;
      }),
    );
    for (const id of dialogues.slice(0, 6)) {
      const began = Date.now();
      expect((await sendTurn(replicas[0]!.url, id, 'm-1')).status).toBe(200);
      lastActivity.set(id, began);
    }
    // Nothing expires while it is younger than its TTL: a dialogue whose last write began less than
    // the TTL before this sweep ended is still live, however slow the machine made the steps above.
    const early = await Promise.all(replicas.map((r) => r.sweeper.sweep()));
    const sweptBy = Date.now();
    const young = dialogues.filter((id) => sweptBy < lastActivity.get(id)! + 1_000);
    for (const id of young)
      expect((await getJson(`${replicas[1]!.url}/v1/dialogues/${id}`, PLAYER)).body.dialogue.status).not.toBe('ended');
    // Past the TTL of every write above.
    await sleep(1_100);
    // Both replicas sweep at once, several times over: each dialogue is won once (counting any the
    // first sweep already ended because the machine was slow).
    const wins = [early[0]!, early[1]!];
    for (let round = 0; round < 3; round++) {
      const ended = await Promise.all(replicas.map((r) => r.sweeper.sweep()));
      ended.forEach((n, i) => (wins[i]! += n));
    }
    expect(wins[0]! + wins[1]!).toBe(12);
    await consumer.waitFor('dialogue.resolve', 12);
    const resolves = consumer.ofType('dialogue.resolve');
    expect(resolves).toHaveLength(12);
    expect(new Set(resolves.map((r) => r.subject))).toEqual(new Set(dialogues));
    expect(resolves.every((r) => r.data.endedBy === 'timeout')).toBe(true);
    // Never live again: the outcome (endedBy timeout) while it is kept, which with a 1 s TTL is only
    // 1 s, then 404 on a machine slow enough to get here later.
    for (const id of dialogues) {
      const got = await getJson(`${replicas[1]!.url}/v1/dialogues/${id}`, PLAYER);
      if (got.status === 404) continue;
      expect(got.body.dialogue.status).toBe('ended');
      expect(got.body.outcome.endedBy).toBe('timeout');
    }
    console.log(
      `[reliability] expiry: 12 dialogues idle past a 1 s TTL, 2 replicas sweeping 3 rounds concurrently: wins ${wins.join(' + ')} = ${wins[0]! + wins[1]!}; ` +
        `resolve events raw ${consumer.rawOfType('dialogue.resolve').length}, distinct ${resolves.length}, all endedBy timeout`,
    );
  } finally {
    for (const r of replicas) await r.close();
    await consumer.close();
  }
});
