/**
 * Real Redis topologies for tests, started from the installed `redis-server` and `redis-cli` on free
 * loopback ports in a temp dir, and removed by `stop` (every process killed, the dir deleted): a
 * 3-primary Redis Cluster, and a primary + one replica watched by three Sentinels (quorum 2).
 * Without `redis-server` on PATH, `REDIS_SERVER_MISSING` says why and the suites skip loudly.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RedisAddress, RedisTarget } from '@parley/shared/composition';
import { freePort } from './http';

const HOST = '127.0.0.1';

function missingBinary(): string | null {
  for (const binary of ['redis-server', 'redis-cli']) {
    try {
      execFileSync(binary, ['--version'], { stdio: 'ignore' });
    } catch {
      return `${binary} is not installed (apt-get install redis-server): the cluster and Sentinel tests are skipped`;
    }
  }
  return null;
}

/** Why the real-topology tests cannot run here, or null when they can. */
export const REDIS_SERVER_MISSING = missingBinary();

/** `describe`, or `describe.skip` with a warning naming the missing binary. */
export function describeWithRedisServer(name: string, body: () => void): void {
  if (REDIS_SERVER_MISSING) {
    console.warn(`[redis-topology] SKIPPED ${name}: ${REDIS_SERVER_MISSING}`);
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Poll `check` until it answers true; fails after `timeoutMs` naming `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** One command to one server, on a short-lived connection that does not retry. */
export async function ask(port: number, ...args: Array<string | number>): Promise<unknown> {
  const redis = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await redis.call(String(args[0]), ...args.slice(1));
  } finally {
    redis.disconnect();
  }
}

type Server = { port: number; process: ChildProcess };

class Processes {
  readonly dir = mkdtempSync(join(tmpdir(), 'parley-redis-topology-'));
  private readonly servers: Server[] = [];

  /**
   * A redis-server on `port` with extra `args`, or with `sentinel` a Sentinel whose config lines are
   * `args`; resolves once it answers PING.
   */
  async start(port: number, args: string[], sentinel = false): Promise<Server> {
    const base = ['--port', String(port), '--bind', HOST, '--dir', this.dir, '--save', '', '--appendonly', 'no'];
    const argv = sentinel ? [this.sentinelConfig(port, args), '--sentinel', ...base.slice(0, 4)] : [...base, ...args];
    const child = spawn('redis-server', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const server = { port, process: child };
    this.servers.push(server);
    await waitFor(`redis-server on ${port} ${stderr}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server ${argv.join(' ')} exited: ${stderr}`);
      return (await ask(port, 'PING')) === 'PONG';
    });
    return server;
  }

  /** Sentinel rewrites its config file: each gets its own, with `lines` in it. */
  private sentinelConfig(port: number, lines: string[]): string {
    const file = join(this.dir, `sentinel-${port}.conf`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  /** SIGKILL, and resolves once the process is gone. */
  async kill(server: Server): Promise<void> {
    if (server.process.exitCode !== null || server.process.signalCode !== null) return;
    const exited = new Promise((resolve) => server.process.once('exit', resolve));
    server.process.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => this.kill(s)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Free loopback ports, distinct from each other. */
async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export type RedisClusterTopology = {
  /** Data ports of the three primaries (each owns a third of the slots). */
  ports: number[];
  nodes: RedisAddress[];
  /** A cluster target as REDIS_CLUSTER_NODES gives it; no replica here, so writes wait for none. */
  target: RedisTarget;
  /** Milliseconds from the first spawn to `cluster_state:ok` on every node. */
  startedInMs: number;
  /** Starts a fourth node as a replica of the primary on `primaryPort`; resolves once its link is up. */
  addReplica(primaryPort: number): Promise<number>;
  /** `redis-cli --cluster <args...>` against the cluster, in a child process; answers its output. */
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
};

/** A 3-primary cluster (`--cluster-replicas 0`), ready when every node says `cluster_state:ok`. */
export async function startRedisCluster(): Promise<RedisClusterTopology> {
  const started = Date.now();
  const processes = new Processes();
  try {
    const ports = await freePorts(6);
    const data = ports.slice(0, 3);
    await Promise.all(
      data.map((port, i) =>
        processes.start(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-port',
          String(ports[3 + i]),
          '--cluster-node-timeout',
          '2000',
        ]),
      ),
    );
    const cli = async (...args: string[]) =>
      (await promisify(execFile)('redis-cli', ['--cluster', ...args], { encoding: 'utf8' })).stdout;
    await cli('create', ...data.map((p) => `${HOST}:${p}`), '--cluster-replicas', '0', '--cluster-yes');
    for (const port of data) {
      await waitFor(`cluster_state:ok on ${port}`, async () =>
        String(await ask(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      );
    }
    const nodes = data.map((port) => ({ host: HOST, port }));
    return {
      ports: data,
      nodes,
      target: { mode: 'cluster', nodes, waitReplicas: 0 },
      startedInMs: Date.now() - started,
      cli,
      async addReplica(primaryPort) {
        const [port, bus] = (await freePorts(2)) as [number, number];
        await processes.start(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-port',
          String(bus),
          '--cluster-node-timeout',
          '2000',
        ]);
        const primaryId = String(await ask(primaryPort, 'CLUSTER', 'MYID'));
        await cli(
          'add-node',
          `${HOST}:${port}`,
          `${HOST}:${primaryPort}`,
          '--cluster-slave',
          '--cluster-master-id',
          primaryId,
        );
        await waitFor(`replica ${port} of ${primaryPort} in sync`, async () =>
          String(await ask(port, 'INFO', 'replication')).includes('master_link_status:up'),
        );
        // And the cluster lists it beside its primary (CLUSTER SLOTS: primary, then replicas).
        await waitFor(`replica ${port} in CLUSTER SLOTS`, async () =>
          ((await ask(primaryPort, 'CLUSTER', 'SLOTS')) as unknown[][]).some((entry) => entry.length > 3),
        );
        return port;
      },
      stop: () => processes.stop(),
    };
  } catch (err) {
    await processes.stop();
    throw err;
  }
}

export type RedisSentinelTopology = {
  name: string;
  sentinels: RedisAddress[];
  /** A Sentinel target as REDIS_SENTINELS + REDIS_SENTINEL_NAME give it: writes wait for the replica. */
  target: RedisTarget;
  primaryPort: number;
  replicaPort: number;
  startedInMs: number;
  /** SIGKILL of the first primary (`primaryPort`). */
  killPrimary(): Promise<void>;
  /**
   * Starts the killed node again on its port as a replica of the primary the Sentinels name now, as a
   * Sentinel-aware start script does (it comes back empty: call it once the replica was promoted).
   */
  restartOldPrimary(): Promise<void>;
  /** The port the Sentinels name as primary now. */
  currentPrimaryPort(): Promise<number>;
  stop(): Promise<void>;
};

/**
 * A primary, one replica, and three Sentinels (quorum 2, down after 1000 ms, failover timeout 3 s),
 * ready when the replica's link is up and every Sentinel knows the replica and the other two.
 */
export async function startRedisSentinel(): Promise<RedisSentinelTopology> {
  const started = Date.now();
  const name = 'parley';
  const processes = new Processes();
  try {
    const [primaryPort, replicaPort, ...sentinelPorts] = (await freePorts(5)) as [number, number, ...number[]];
    const primary = await processes.start(primaryPort, []);
    await processes.start(replicaPort, ['--replicaof', HOST, String(primaryPort)]);
    await waitFor('replica link up', async () =>
      String(await ask(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'),
    );
    await Promise.all(
      sentinelPorts.map((port) =>
        processes.start(
          port,
          [
            `sentinel monitor ${name} ${HOST} ${primaryPort} 2`,
            `sentinel down-after-milliseconds ${name} 1000`,
            `sentinel failover-timeout ${name} 3000`,
          ],
          true,
        ),
      ),
    );
    for (const port of sentinelPorts) {
      await waitFor(`Sentinel ${port} sees the replica and the other Sentinels`, async () => {
        const replicas = (await ask(port, 'SENTINEL', 'REPLICAS', name)) as unknown[];
        const others = (await ask(port, 'SENTINEL', 'SENTINELS', name)) as unknown[];
        return replicas.length === 1 && others.length === 2;
      });
    }
    const sentinels = sentinelPorts.map((port) => ({ host: HOST, port }));
    return {
      name,
      sentinels,
      target: { mode: 'sentinel', sentinels, name, waitReplicas: 1, waitTimeoutMs: 1000 },
      primaryPort,
      replicaPort,
      startedInMs: Date.now() - started,
      killPrimary: () => processes.kill(primary),
      async restartOldPrimary() {
        const [, port] = (await ask(sentinelPorts[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [
          string,
          string,
        ];
        await processes.start(primaryPort, ['--replicaof', HOST, port]);
      },
      async currentPrimaryPort() {
        const [, port] = (await ask(sentinelPorts[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [
          string,
          string,
        ];
        return Number(port);
      },
      stop: () => processes.stop(),
    };
  } catch (err) {
    await processes.stop();
    throw err;
  }
}
