import { runMain, startDialogueFunction } from '@parley/shared/composition';
import { createApp } from './app';

runMain('dialogue-end', (logger) => startDialogueFunction('dialogue-end', logger, createApp));
