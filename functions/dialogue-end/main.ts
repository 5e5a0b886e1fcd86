import { runMain } from '../../shared/src/composition/run-main';
import { startDialogueFunction } from '../../shared/src/composition/runtime';
import { createApp } from './app';

runMain('dialogue-end', (logger) => startDialogueFunction('dialogue-end', logger, createApp));
