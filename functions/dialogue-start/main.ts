import { runMain, startDialogueFunction } from '@parley/shared/composition';
import { createApp } from './app';

runMain('dialogue-start', (logger) => startDialogueFunction('dialogue-start', logger, createApp));
