/**
 * A Sentinel failover under load: dialogues take turns through the composed HTTP functions (a pod as
 * production wires it, Redis found through three Sentinels, every write waiting for the replica), the
 * primary is killed with SIGKILL mid-load, the Sentinels promote the replica, and the killed node is
 * started again (as a pod supervisor would; only once the failover is done, since it comes back empty)
 * to serve as the new replica. No turn answered 2xx may be missing from its transcript, read from the
 * new primary, and every dialogue accepts a turn again within 10 s of the kill.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger, RedisDialogueStore } from '@parley/shared/composition';
import { AMQP_URL, createDialogue, sendTurn, sleep, startReplica } from '../support/reliability-kit';
import {
  describeWithRedisServer,
  startRedisSentinel,
  waitFor,
  type RedisSentinelTopology,
} from '../support/redis-topology';

const DIALOGUES = 12;
const RECOVER_WITHIN_MS = 10_000;
const logger = createLogger('sentinel-failover', 'silent');
const exchange = `parley.failover.${randomUUID().slice(0, 8)}`;

describeWithRedisServer('Sentinel failover', () => {
  let topology: RedisSentinelTopology;
  beforeAll(async () => {
    topology = await startRedisSentinel();
  }, 60_000);
  afterAll(async () => {
    await topology?.stop();
    const amqp = await import('amqplib');
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
  });

  test(`SIGKILL of the primary under load: no acknowledged turn lost, ${DIALOGUES} dialogues back within ${RECOVER_WITHIN_MS / 1000} s`, async () => {
    const keyPrefix = `parley-failover:${randomUUID().slice(0, 8)}:`;
    const pod = await startReplica({ redisUrl: topology.target, amqpUrl: AMQP_URL, keyPrefix, exchange, logger });
    try {
      const ids: string[] = [];
      for (let i = 0; i < DIALOGUES; i++) ids.push(await createDialogue(pod.url));

      const acknowledged = new Map<string, string[]>(ids.map((id) => [id, []]));
      const failed = { count: 0 };
      const lastError = new Map<string, string>();
      let killedAt = 0;
      let stop = false;
      const backAfterMs = new Map<string, number>();
      // Each dialogue: one turn after another, a short pause between; a failed turn is retried with its
      // message id (the player's client does the same), so a turn the store took is never sent twice as new.
      const load = ids.map(async (id, d) => {
        for (let n = 0; !stop; n++) {
          const messageId = `d${d}-t${n}`;
          for (;;) {
            const res = await sendTurn(pod.url, id, messageId);
            if (res.status >= 200 && res.status < 300) {
              acknowledged.get(id)!.push(messageId);
              if (killedAt > 0 && !backAfterMs.has(id)) backAfterMs.set(id, Date.now() - killedAt);
              break;
            }
            if (res.status !== 503)
              throw new Error(`turn ${messageId} answered ${res.status}: ${JSON.stringify(res.body)}`);
            failed.count++;
            lastError.set(id, `${Date.now() - killedAt} ${JSON.stringify(res.body)}`);
            if (stop) return;
            await sleep(50);
          }
          await sleep(40);
        }
      });

      await waitFor('three turns in every dialogue', async () =>
        [...acknowledged.values()].every((t) => t.length >= 3),
      );
      const oldPrimary = topology.primaryPort;
      await topology.killPrimary();
      killedAt = Date.now();
      await waitFor(
        'the Sentinels to promote the replica',
        async () => (await topology.currentPrimaryPort()) !== oldPrimary,
      );
      const promotedAfterMs = Date.now() - killedAt;
      await topology.restartOldPrimary();
      try {
        await waitFor(
          'every dialogue to take a turn after the kill',
          async () => backAfterMs.size === DIALOGUES,
          RECOVER_WITHIN_MS * 3,
        );
      } catch (err) {
        console.log(`last errors (ms after the kill, body):\n${[...lastError.values()].join('\n')}`);
        throw err;
      } finally {
        stop = true;
      }
      await Promise.all(load);

      // Read from the new primary directly, not through the Sentinels.
      const direct = new Redis({ host: '127.0.0.1', port: await topology.currentPrimaryPort() });
      const reader = new RedisDialogueStore({ redis: direct, keyPrefix, ttlSeconds: 3600 });
      try {
        const lost: string[] = [];
        for (const id of ids) {
          const transcript = JSON.stringify(await reader.transcript(id));
          for (const messageId of acknowledged.get(id)!)
            if (!transcript.includes(`(${messageId})`)) lost.push(messageId);
        }
        const turns = [...acknowledged.values()].reduce((sum, t) => sum + t.length, 0);
        const worst = Math.max(...backAfterMs.values());
        console.log(
          `[redis-topology] Sentinel failover: ${turns} turns acknowledged, ${lost.length} lost, ${failed.count} ` +
            `attempts answered 503; replica promoted ${promotedAfterMs} ms after the kill; every dialogue took a ` +
            `turn again ${Math.min(...backAfterMs.values())}..${worst} ms after it`,
        );
        expect(lost).toEqual([]);
        expect(worst).toBeLessThanOrEqual(RECOVER_WITHIN_MS);
      } finally {
        direct.disconnect();
      }
    } finally {
      await pod.close();
    }
  }, 120_000);
});
