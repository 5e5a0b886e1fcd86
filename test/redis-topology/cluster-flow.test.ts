/**
 * Dialogues on a real 3-primary Redis Cluster through the composed HTTP functions (a pod as production
 * wires it, REDIS_CLUSTER_NODES-style target): the whole flow start -> turns -> end, and a resharding
 * (`redis-cli --cluster reshard` of every slot of one primary to another) while dialogues of many
 * players take turns, so the slots of live dialogues move under load (MOVED/ASK/TRYAGAIN followed by
 * the client). No acknowledged turn may be lost, and every dialogue keeps taking turns.
 */
import { randomUUID } from 'node:crypto';
import { afterWrite, closeRedis, connectRedis, createLogger, dialogueKeys } from '@parley/shared/composition';
import { getJson, postJson } from '../support/http';
import { AMQP_URL, sleep, startReplica, turnBody } from '../support/reliability-kit';
import { ask, describeWithRedisServer, startRedisCluster, type RedisClusterTopology } from '../support/redis-topology';

const logger = createLogger('cluster-flow', 'silent');
const exchange = `parley.cluster.${randomUUID().slice(0, 8)}`;
const player = (n: number) => ({ 'x-player-id': `player-cluster-${n}` });

async function create(url: string, headers: Record<string, string>): Promise<string> {
  const res = await postJson(
    `${url}/v1/dialogues`,
    { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
    headers,
  );
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
  return (res.body as { dialogue: { id: string } }).dialogue.id;
}

/** A turn retried with its message id while it answers 409 TurnInFlight/VersionConflict or 503; counts the 503s. */
async function turn(
  url: string,
  id: string,
  messageId: string,
  headers: Record<string, string>,
  unavailable = { n: 0 },
) {
  for (;;) {
    const res = await postJson(`${url}/v1/dialogues/${id}/messages`, turnBody(messageId), headers);
    const code = (res.body as { error?: { code?: string } } | null)?.error?.code;
    if (res.status === 503) unavailable.n++;
    if (res.status === 503 || (res.status === 409 && (code === 'TurnInFlight' || code === 'VersionConflict'))) {
      await sleep(20);
      continue;
    }
    return res;
  }
}

describeWithRedisServer('dialogues on Redis Cluster', () => {
  let topology: RedisClusterTopology;
  let pod: Awaited<ReturnType<typeof startReplica>>;
  const keyPrefix = `parley-cluster:${randomUUID().slice(0, 8)}:`;
  beforeAll(async () => {
    topology = await startRedisCluster();
    pod = await startReplica({ redisUrl: topology.target, amqpUrl: AMQP_URL, keyPrefix, exchange, logger });
  }, 60_000);
  afterAll(async () => {
    await pod?.close();
    await topology?.stop();
    const amqp = await import('amqplib');
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
  });

  test('start, turns and end through the functions', async () => {
    const headers = player(0);
    const id = await create(pod.url, headers);
    for (let n = 0; n < 3; n++) expect((await turn(pod.url, id, `flow-${n}`, headers)).status).toBe(200);
    const ended = await postJson(`${pod.url}/v1/dialogues/${id}/end`, {}, headers);
    expect(ended.status).toBe(200);
    expect((await getJson(`${pod.url}/v1/dialogues/${id}`, headers)).body).toMatchObject({
      dialogue: { status: 'ended' },
    });
    expect((await turn(pod.url, id, 'after-end', headers)).status).toBe(409);
  });

  test('a write waits for a replica of the node that holds its slot (WAIT in the same pipeline)', async () => {
    // Only the third primary gets a replica: writes to its slots are acknowledged, the others time out.
    // (Before the resharding: a primary left without slots becomes a replica of the one that took them.)
    const withReplica = topology.ports[2]!;
    await topology.addReplica(withReplica);
    // A generous wait: a busy machine's replica may take seconds to acknowledge (or to finish its first
    // sync). Writes go one at a time: a WAIT holds its connection to the node, so concurrent writes to a
    // node without a replica would queue behind each other's timeouts.
    const redis = connectRedis(
      { ...topology.target, waitReplicas: 1, waitTimeoutMs: 3_000 },
      { commandTimeoutMs: 10_000 },
    );
    try {
      const slots = (await ask(withReplica, 'CLUSTER', 'SLOTS')) as Array<[number, number, ...unknown[]]>;
      // A CLUSTER SLOTS entry lists the primary, then its replicas.
      const hasReplica = async (key: string) => {
        const slot = Number(await ask(withReplica, 'CLUSTER', 'KEYSLOT', key));
        return slots.find(([a, b]) => slot >= a && slot <= b)!.length > 3;
      };
      const candidates = Array.from({ length: 30 }, (_, i) => `${keyPrefix}wait:{k${i}}`);
      const classified = [];
      for (const key of candidates) classified.push({ key, replicated: await hasReplica(key) });
      const chosen = [
        ...classified.filter((c) => c.replicated).slice(0, 3),
        ...classified.filter((c) => !c.replicated).slice(0, 3),
      ];
      expect(chosen.filter((c) => c.replicated)).toHaveLength(3);
      expect(chosen.filter((c) => !c.replicated)).toHaveLength(3);
      for (const { key, replicated } of chosen) {
        const answer = await afterWrite(redis, (pipeline) => pipeline.set(key, '1')).then(
          (reply) => String(reply),
          (err: Error) => err.name,
        );
        expect({ key, answer }).toEqual({ key, answer: replicated ? 'OK' : 'ReplicaAckTimeout' });
      }
    } finally {
      await closeRedis(redis);
    }
  }, 60_000);

  test('a resharding of one primary mid-load: the load is served, no acknowledged turn lost', async () => {
    const PLAYERS = 24;
    const dialogues = await Promise.all(
      Array.from({ length: PLAYERS }, async (_, n) => ({ n, id: await create(pod.url, player(n + 1)) })),
    );
    const [from, to] = topology.ports as [number, number];
    const fromId = String(await ask(from, 'CLUSTER', 'MYID'));
    const toId = String(await ask(to, 'CLUSTER', 'MYID'));
    // The dialogues whose slots live on the primary that gives all of its slots away.
    const keys = dialogueKeys(keyPrefix);
    const slots = (await ask(from, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, string]]>;
    const owned = slots.filter(([, , [, port]]) => port === from).map(([a, b]) => [a, b] as const);
    const moving = [];
    for (const d of dialogues) {
      const slot = Number(await ask(from, 'CLUSTER', 'KEYSLOT', keys.state(d.id)));
      if (owned.some(([a, b]) => slot >= a && slot <= b)) moving.push(d.id);
    }
    const slotCount = owned.reduce((sum, [a, b]) => sum + b - a + 1, 0);

    const acknowledged = new Map<string, string[]>(dialogues.map((d) => [d.id, []]));
    const unavailable = { n: 0 };
    let resharding = true;
    let turnsDuring = 0;
    const load = dialogues.map(async ({ n, id }) => {
      for (let t = 0; resharding; t++) {
        const res = await turn(pod.url, id, `p${n}-t${t}`, player(n + 1), unavailable);
        if (res.status === 409) return; // the character ended it
        expect(res.status).toBe(200);
        acknowledged.get(id)!.push(`p${n}-t${t}`);
        turnsDuring++;
        await sleep(30);
      }
    });
    await sleep(300);
    const started = Date.now();
    await topology.cli(
      'reshard',
      `127.0.0.1:${from}`,
      '--cluster-from',
      fromId,
      '--cluster-to',
      toId,
      '--cluster-slots',
      String(slotCount),
      '--cluster-yes',
      '--cluster-pipeline',
      '100',
    );
    const reshardMs = Date.now() - started;
    await sleep(300);
    resharding = false;
    await Promise.all(load);

    let lost = 0;
    for (const { id, n } of dialogues) {
      const transcript = JSON.stringify((await getJson(`${pod.url}/v1/dialogues/${id}`, player(n + 1))).body);
      for (const messageId of acknowledged.get(id)!) if (!transcript.includes(`(${messageId})`)) lost++;
    }
    console.log(
      `[redis-topology] cluster reshard of ${slotCount} slots (${moving.length} of ${PLAYERS} live dialogues on them) ` +
        `took ${reshardMs} ms; ${turnsDuring} turns acknowledged meanwhile, ${unavailable.n} attempts answered 503, ${lost} lost`,
    );
    expect(moving.length).toBeGreaterThan(0);
    expect(lost).toBe(0);
    // The moved dialogues' keys are on the receiving primary now.
    const movedSlot = Number(await ask(to, 'CLUSTER', 'KEYSLOT', keys.state(moving[0]!)));
    expect(Number(await ask(to, 'CLUSTER', 'COUNTKEYSINSLOT', movedSlot))).toBeGreaterThan(0);
  }, 120_000);
});
