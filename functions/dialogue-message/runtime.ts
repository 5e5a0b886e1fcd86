import type { Logger } from '@parley/shared';
import { createDialogueRuntime } from '@parley/shared/composition';
import type { Config } from './config';

export const FUNCTION_NAME = 'dialogue-message';

/**
 * Everything dialogue-message runs, built from a config object (main.ts reads it from env; tests pass their own):
 * the dialogue runtime (store, events and outbox relay, AI client, player access) under this
 * function's name, which is the source of the events it emits.
 */
export function createRuntime(config: Config, logger: Logger) {
  return createDialogueRuntime(config, { functionName: FUNCTION_NAME, logger });
}
