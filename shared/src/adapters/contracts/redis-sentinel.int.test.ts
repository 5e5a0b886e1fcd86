/**
 * The store contracts on Sentinel: a primary, a replica and three Sentinels of this file's own; every
 * dialogue write waits for the replica (WAIT 1), as REDIS_SENTINELS sets it up by default.
 */
import { describeRedisContracts } from './redis-topology-runs';
import {
  describeWithRedisServer,
  startRedisSentinel,
  type RedisSentinelTopology,
} from '../../../../test/support/redis-topology';

describeWithRedisServer('store contracts on Redis Sentinel', () => {
  let topology: RedisSentinelTopology;
  beforeAll(async () => {
    topology = await startRedisSentinel();
    console.log(`[redis-topology] Sentinel (primary, replica, 3 Sentinels) ready in ${topology.startedInMs} ms`);
  }, 60_000);
  describeRedisContracts('Sentinel', () => topology.target, {
    dialogue: true,
    memory: true,
    seenEvents: true,
    analytics: true,
  });
  // After the suites' own afterAll (which closes their client): nothing reconnects to a stopped server.
  afterAll(() => topology?.stop());
});
