import { randomUUID } from 'node:crypto';
import { ConfigError, DialogueConfigSchema, readConfig } from '@parley/shared';
import { createDialogueRuntime, createLogger } from '@parley/shared/composition';
import { InProcessEventBus } from '@parley/shared/testing';
import { CHARACTERS_DIR } from '../support/dialogue-harness';
import { REDIS_URL, deleteKeysUnder } from '../support/redis-test-kit';

// Another REDIS_INDEX_SHARDS than the data under the prefix was written with would orphan every key:
// the dialogue runtime (what each dialogue function's main.ts builds) refuses to start.
const prefix = `test:${randomUUID().slice(0, 8)}:`;
afterAll(() => deleteKeysUnder([prefix]));

const runtime = (shards: string) =>
  createDialogueRuntime(
    readConfig(DialogueConfigSchema, {
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      REDIS_INDEX_SHARDS: shards,
      CHARACTERS_DIR,
      AUTH_MODE: 'none',
      RATE_LIMIT_PLAYER_PER_MINUTE: '0',
      RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
    }),
    { functionName: 'dialogue-start', logger: createLogger('test', 'silent'), publisher: new InProcessEventBus() },
  );

test('a runtime with another REDIS_INDEX_SHARDS than the data was written with stops at start-up, naming it', async () => {
  const first = await runtime('64');
  await first.close();
  const same = await runtime('64');
  await same.close();

  const refused = await runtime('32').then(
    () => null,
    (err: unknown) => err,
  );
  expect(refused).toBeInstanceOf(ConfigError);
  expect((refused as Error).message).toBe(
    `invalid configuration: REDIS_INDEX_SHARDS: the data under key prefix "${prefix}" was written with 64 index ` +
      'shards, not 32; set REDIS_INDEX_SHARDS=64 (changing it would orphan existing keys)',
  );
});

test('REDIS_INDEX_SHARDS is read as an integer in 1..4096', () => {
  const read = (value: string) => () =>
    readConfig(DialogueConfigSchema, { REDIS_INDEX_SHARDS: value, AUTH_MODE: 'none' });
  expect(read('4096')()).toMatchObject({ REDIS_INDEX_SHARDS: 4096 });
  for (const bad of ['0', '4097', '1.5', 'many']) expect(read(bad)).toThrow(/REDIS_INDEX_SHARDS/);
  expect(readConfig(DialogueConfigSchema, { AUTH_MODE: 'none' }).REDIS_INDEX_SHARDS).toBe(64);
});
