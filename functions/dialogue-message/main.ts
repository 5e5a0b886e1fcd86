import { runMain, startDialogueFunction } from '@parley/shared/composition';
import { createApp } from './app';

runMain('dialogue-message', (logger) => startDialogueFunction('dialogue-message', logger, createApp));
