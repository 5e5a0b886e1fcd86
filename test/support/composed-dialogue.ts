import { processMetrics, createLogger, createDialogueRuntime } from '@parley/shared/composition';
import { randomUUID } from 'node:crypto';
import { readConfig, type ParleyEvent, DialogueConfigSchema } from '@parley/shared';
import { InProcessEventBus } from '@parley/shared/testing';
import { createApp as startApp } from '../../functions/dialogue-start/app';
import { createApp as messageApp } from '../../functions/dialogue-message/app';
import { createApp as endApp } from '../../functions/dialogue-end/app';
import { CHARACTERS_DIR } from './dialogue-harness';
import { listen } from './http';
import { REDIS_URL, deleteKeysUnder } from './redis-test-kit';

/**
 * The three dialogue functions composed as their main.ts composes them (createDialogueRuntime from
 * an env object: real Redis under a fresh prefix, the process metrics, the scripted AI in instant
 * mode), with an in-process bus standing in for the broker so the test reads the events.
 */
export async function startComposedDialogue(env: Record<string, string> = {}) {
  const prefix = `test:${randomUUID().slice(0, 8)}:`;
  const config = readConfig(DialogueConfigSchema, {
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    CHARACTERS_DIR,
    SCRIPTED_CHUNK_DELAY_MS: '0',
    AUTH_MODE: 'none',
    RATE_LIMIT_PLAYER_PER_MINUTE: '0',
    RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
    MAX_ACTIVE_DIALOGUES: '0',
    ...env,
  });
  const logger = createLogger('test', 'silent');
  const bus = new InProcessEventBus();
  const events: ParleyEvent[] = [];
  bus.subscribe(async (event) => {
    events.push(event);
  });
  const runtime = await createDialogueRuntime(config, { functionName: 'dialogue-message', logger, publisher: bus });
  const options = { logger, readiness: runtime.readiness, access: runtime.access, metrics: processMetrics() };
  const servers = {
    start: await listen(startApp(runtime.deps, options)),
    message: await listen(messageApp(runtime.deps, options)),
    end: await listen(endApp(runtime.deps, options)),
  };
  return {
    prefix,
    events,
    urls: { start: servers.start.url, message: servers.message.url, end: servers.end.url },
    async close() {
      await Promise.all(Object.values(servers).map((s) => s.close()));
      await runtime.close();
      await deleteKeysUnder([prefix]);
    },
  };
}
