import { CommonConfigSchema, ConfigError, readConfig, redisTargetFromConfig, subscriberConfigSchema } from './config';

const target = (env: Record<string, string>) => redisTargetFromConfig(readConfig(CommonConfigSchema, env));

describe('Redis connection modes from the environment', () => {
  it.each<[string, Record<string, string>, unknown]>([
    ['no Redis at all: state in memory', {}, undefined],
    ['empty variables count as unset', { REDIS_URL: '', REDIS_CLUSTER_NODES: '', REDIS_SENTINELS: '' }, undefined],
    [
      'a single node, as before',
      { REDIS_URL: 'redis://127.0.0.1:6379' },
      { mode: 'single', url: 'redis://127.0.0.1:6379', waitTimeoutMs: 1000 },
    ],
    [
      'a cluster from its seeds, with ACL user, password and TLS',
      {
        REDIS_CLUSTER_NODES: 'node-a.cache.example:6379, 10.0.0.2:6380',
        REDIS_USERNAME: 'parley',
        REDIS_PASSWORD: 'secret',
        REDIS_TLS: 'true',
        REDIS_TLS_CA_FILE: '/etc/redis/ca.pem',
      },
      {
        mode: 'cluster',
        nodes: [
          { host: 'node-a.cache.example', port: 6379 },
          { host: '10.0.0.2', port: 6380 },
        ],
        username: 'parley',
        password: 'secret',
        tls: { ca: '/etc/redis/ca.pem' },
        waitTimeoutMs: 1000,
      },
    ],
    [
      'Sentinels with their own password, and an explicit wait',
      {
        REDIS_SENTINELS: 's1:26379,s2:26379,s3:26379',
        REDIS_SENTINEL_NAME: 'parley',
        REDIS_SENTINEL_PASSWORD: 'watch',
        REDIS_WAIT_REPLICAS: '0',
        REDIS_WAIT_TIMEOUT_MS: '250',
      },
      {
        mode: 'sentinel',
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
          { host: 's3', port: 26379 },
        ],
        name: 'parley',
        sentinelPassword: 'watch',
        waitReplicas: 0,
        waitTimeoutMs: 250,
      },
    ],
  ])('%s', (_name, env, expected) => {
    const got = target(env);
    expect(got === undefined ? undefined : JSON.parse(JSON.stringify(got))).toEqual(expected);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'two modes at once',
      { REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:6379' },
      /REDIS_CLUSTER_NODES: set one Redis mode, not REDIS_URL and REDIS_CLUSTER_NODES/,
    ],
    ['Sentinels without a name', { REDIS_SENTINELS: 's1:26379' }, /REDIS_SENTINEL_NAME: required with REDIS_SENTINELS/],
    ['a name without Sentinels', { REDIS_SENTINEL_NAME: 'parley' }, /REDIS_SENTINEL_NAME: only means something/],
    ['an address without a port', { REDIS_CLUSTER_NODES: 'node-a' }, /REDIS_CLUSTER_NODES: each entry is host:port/],
    ['REDIS_TLS on a single node', { REDIS_URL: 'redis://a:6379', REDIS_TLS: 'true' }, /use a rediss:\/\/ REDIS_URL/],
    [
      'a wait as long as a command may take',
      { REDIS_SENTINELS: 's:1', REDIS_SENTINEL_NAME: 'p', REDIS_WAIT_TIMEOUT_MS: '2000' },
      /REDIS_WAIT_TIMEOUT_MS: must stay below/,
    ],
  ])('stops start-up with one line naming the variable: %s', (_name, env, message) => {
    expect(() => readConfig(CommonConfigSchema, env)).toThrow(ConfigError);
    expect(() => readConfig(CommonConfigSchema, env)).toThrow(message);
  });

  it('subscribers read every Redis setting too', () => {
    const config = readConfig(subscriberConfigSchema('q'), { REDIS_CLUSTER_NODES: 'a:1' });
    expect(redisTargetFromConfig(config)).toMatchObject({ mode: 'cluster', nodes: [{ host: 'a', port: 1 }] });
  });
});
