/**
 * The store contracts on a 3-primary Redis Cluster of this file's own. Every script's keys share one
 * hash tag, so each runs on the node of its slot.
 */
import { describeRedisContracts } from './redis-topology-runs';
import {
  describeWithRedisServer,
  startRedisCluster,
  type RedisClusterTopology,
} from '../../../../test/support/redis-topology';

describeWithRedisServer('store contracts on Redis Cluster', () => {
  let topology: RedisClusterTopology;
  beforeAll(async () => {
    topology = await startRedisCluster();
    console.log(`[redis-topology] cluster (3 primaries) ready in ${topology.startedInMs} ms`);
  }, 60_000);
  describeRedisContracts('Redis Cluster', () => topology.target, {
    dialogue: true,
    memory: true,
    seenEvents: true,
    analytics: true,
  });
  // After the suites' own afterAll (which closes their client): nothing reconnects to a stopped server.
  afterAll(() => topology?.stop());
});
