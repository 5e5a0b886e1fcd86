import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ChainableCommander, type RedisOptions } from 'ioredis';

/** The client every Redis adapter holds: one node (direct or found through Sentinel) or a cluster. */
export type RedisClient = Redis | Cluster;

/** `host:port` of a cluster seed node or a Sentinel. */
export type RedisAddress = { host: string; port: number };

/**
 * Where Redis is and how to talk to it; `redisTargetFromConfig` builds it from REDIS_* settings.
 * - `single`: one node at `url` (`redis://` or `rediss://` for TLS), the default and what compose runs.
 * - `cluster`: Redis Cluster (or a managed cluster-mode endpoint); `nodes` are seeds, the rest is discovered.
 * - `sentinel`: the primary Sentinel names `name`, found through `sentinels`, followed across failovers.
 * `waitReplicas` replicas must acknowledge each dialogue write within `waitTimeoutMs` (0: no wait).
 */
export type RedisTarget = (
  | { mode: 'single'; url: string }
  | { mode: 'cluster'; nodes: RedisAddress[] }
  | { mode: 'sentinel'; sentinels: RedisAddress[]; name: string; sentinelPassword?: string | undefined }
) & {
  username?: string | undefined;
  password?: string | undefined;
  /** TLS to the data nodes (and to the Sentinels); a `rediss://` URL implies it. */
  tls?: { ca?: string | undefined; servername?: string | undefined } | undefined;
  waitReplicas?: number | undefined;
  waitTimeoutMs?: number | undefined;
};

export type RedisConnectionOptions = {
  /** A command with no answer for this long fails (ioredis `commandTimeout`); default 2000 ms. */
  commandTimeoutMs?: number | undefined;
};

/** Replica acknowledgement a client's dialogue writes wait for (`afterWrite`); set by `connectRedis`. */
type Durability = { replicas: number; timeoutMs: number };
const durability = new WeakMap<RedisClient, Durability>();

/** Default wait for replicas: none on a single node (there is none to wait for), one in the replicated modes. */
export const DEFAULT_WAIT_TIMEOUT_MS = 1000;

/**
 * The ioredis client every Redis adapter uses, with one option set whatever the mode. It connects at
 * once, and while it has never been ready commands wait in the offline queue (start-up does not race
 * the connection); after the first `ready` the queue is switched off, so during an outage or a
 * failover each call fails at once (the adapters turn that into `StoreUnavailable`, 503, retryable)
 * instead of piling up behind a dead socket while players wait. `maxRetriesPerRequest: 2` bounds how
 * long a command already sent survives reconnects; `commandTimeout` bounds a Redis that accepts the
 * connection but does not answer. Reconnects go on in the background, at most 500 ms apart, so
 * adapters heal by themselves. A cluster client follows MOVED/ASK and retries TRYAGAIN (a slot in
 * migration) and CLUSTERDOWN a few times, 100 ms apart; a Sentinel client asks the Sentinels for
 * the primary on every reconnect and drops a connection that answers READONLY (a demoted primary).
 * A string is a single-node URL. The caller owns the client and ends it with `closeRedis`.
 */
export function connectRedis(target: RedisTarget | string, options: RedisConnectionOptions = {}): RedisClient {
  const t: RedisTarget = typeof target === 'string' ? { mode: 'single', url: target } : target;
  const tls = tlsOptions(t);
  const node: RedisOptions = {
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 2_000,
    // ioredis arms this timer on disconnect even for a socket already closed (Redis down): keep it
    // short so a process that closes its client is not held open for it.
    disconnectTimeout: 300,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    // A refused connect costs nothing: retry often, so work resumes soon after Redis answers again.
    retryStrategy: (attempt) => Math.min(attempt * 100, 500),
    ...(t.username !== undefined ? { username: t.username } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(tls ? { tls } : {}),
  };
  let client: RedisClient;
  if (t.mode === 'cluster') {
    // The cluster client connects its node connections itself.
    const { lazyConnect: _lazy, ...nodeOptions } = node;
    client = new Cluster(t.nodes, {
      lazyConnect: false,
      enableOfflineQueue: true,
      scaleReads: 'master',
      redisOptions: nodeOptions,
      clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 500),
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      maxRedirections: 16,
      slotsRefreshTimeout: 2_000,
      // Managed endpoints announce their nodes by IP: keep the address as given (TLS checks the servername).
      ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    });
  } else if (t.mode === 'sentinel') {
    client = new Redis({
      ...node,
      sentinels: t.sentinels,
      name: t.name,
      role: 'master',
      ...(t.sentinelPassword !== undefined ? { sentinelPassword: t.sentinelPassword } : {}),
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
      sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, 500),
      // A primary demoted by a failover answers writes with READONLY: reconnect, the Sentinels name the new one.
      reconnectOnError: (err) => err.message.startsWith('READONLY'),
      // No `failoverDetector`: in ioredis 5.11 a +switch-master that arrives while the client is asking the
      // Sentinels for the primary ends the client for good ("Connection is closed."). A killed primary
      // closes the connection and a demoted one answers READONLY: both reconnect through the Sentinels.
    });
  } else {
    client = new Redis(t.url, node);
  }
  client.once('ready', () => {
    client.options.enableOfflineQueue = false;
  });
  // Connection errors reach callers through each command and `pingRedis` (readiness); without a
  // listener ioredis would print every reconnect failure.
  client.on('error', () => {});
  const replicas = t.waitReplicas ?? (t.mode === 'single' ? 0 : 1);
  if (replicas > 0) durability.set(client, { replicas, timeoutMs: t.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS });
  return client;
}

function tlsOptions(t: RedisTarget): ConnectionOptions | undefined {
  const wanted = t.tls !== undefined || (t.mode === 'single' && t.url.startsWith('rediss:'));
  if (!wanted) return undefined;
  const options: ConnectionOptions = {};
  if (t.tls?.ca !== undefined) options.ca = readFileSync(t.tls.ca);
  // A cluster's nodes are reached by the addresses it announces (often IPs); the certificate names
  // the endpoint the operator configured, so check it against that name.
  const seedHost = t.mode === 'cluster' ? t.nodes[0]?.host : undefined;
  const servername = t.tls?.servername ?? (seedHost !== undefined && isIP(seedHost) === 0 ? seedHost : undefined);
  if (servername !== undefined) options.servername = servername;
  return options;
}

/** A write that `afterWrite` runs: queue its one script call on the pipeline it is given. */
export type QueueWrite = (pipeline: ChainableCommander) => void;

/** Cluster answers that mean "not on this node, or not now": the script did not run, so it may be sent again. */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;
const REDIRECT_ATTEMPTS = 20;

/**
 * Run one write (a script call, queued by `queue`) and, when the client's target asks for it
 * (`waitReplicas` > 0: the Sentinel and cluster default), `WAIT` for that many replicas in the
 * same pipeline, so the wait runs on the connection, and on a cluster the node, that took the
 * write: a pipeline goes to the node of its keys, and a connection that breaks between the two
 * fails the whole write rather than waiting on a new one that saw nothing. Answers the write's reply.
 * ioredis re-sends a cluster pipeline after MOVED/ASK only when its other commands are reads, which
 * WAIT is not: a redirected write (a slot moving) is sent again here, at most 20 times 100 ms apart,
 * after a refresh of the slot table. Throws the write's own error, or `ReplicaAckTimeout` when
 * fewer replicas acknowledged within the timeout: the write is on the primary but may not survive
 * its loss, so it is not acknowledged to the player (the retry of a turn finds its stored result
 * by message id).
 */
export async function afterWrite<T>(redis: RedisClient, queue: QueueWrite): Promise<T> {
  const wait = durability.get(redis);
  for (let attempt = 1; ; attempt++) {
    const pipeline = redis.pipeline();
    queue(pipeline);
    if (wait) pipeline.call('WAIT', wait.replicas, wait.timeoutMs);
    const replies = (await pipeline.exec()) ?? [];
    const [writeError, answer] = replies[0] ?? [new Error('write was not run'), null];
    if (writeError) {
      if (!(redis instanceof Cluster) || !REDIRECTED.test(writeError.message) || attempt >= REDIRECT_ATTEMPTS)
        throw writeError;
      if (writeError.message.startsWith('MOVED')) redis.refreshSlotsCache();
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    if (wait) {
      const [waitError, acknowledged] = replies[1] ?? [new Error('WAIT was not run'), null];
      if (waitError) throw waitError;
      if (Number(acknowledged) < wait.replicas) {
        throw new ReplicaAckTimeout(
          `write reached ${Number(acknowledged)} of ${wait.replicas} replica(s) within ${wait.timeoutMs} ms`,
        );
      }
    }
    return answer as T;
  }
}

/** A write the primary took but too few replicas acknowledged in time (see `afterWrite`). */
export class ReplicaAckTimeout extends Error {
  override readonly name = 'ReplicaAckTimeout';
}

/**
 * Readiness of a client: PING on a node; on a cluster, CLUSTER INFO of a node must say
 * `cluster_state:ok` (every slot served), since a node can answer PING while the cluster is down.
 */
export async function pingRedis(redis: RedisClient): Promise<void> {
  if (redis instanceof Cluster) {
    const info = String(await redis.cluster('INFO'));
    if (!/cluster_state:ok/.test(info)) throw new Error(`cluster not usable: ${/cluster_state:\w+/.exec(info)?.[0]}`);
    return;
  }
  await redis.ping();
}

/**
 * Ends a client from `connectRedis`: QUIT lets replies in flight arrive; a client that is not
 * connected has nothing to wait for (and a QUIT queued behind a dead socket would wait for a
 * reconnect that may never come), so it is disconnected at once, as it is when QUIT fails.
 */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
