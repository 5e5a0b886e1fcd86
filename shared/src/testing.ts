/**
 * `@parley/shared/testing`: for tests (and the bench) only. The contract suite of each port, run
 * against every adapter; AI task fixtures; and, again, the in-process adapters tests build by hand.
 */

// ---- contract suites ----
export {
  describeDialogueExpiryContract,
  describeDialogueStoreContract,
  type DialogueStoreHarness,
} from './adapters/contracts/dialogue-store.contract';
export { describeAnalyticsStoreContract } from './adapters/contracts/analytics-store.contract';
export {
  describeEventPublisherContract,
  type EventPublisherHarness,
  sampleDialogueEvents,
} from './adapters/contracts/event-publisher.contract';
export { describeSeenEventsContract } from './adapters/contracts/seen-events.contract';
export { describeMemoryStoreContract, type MemoryStoreHarness } from './adapters/contracts/memory-store.contract';

// ---- fixtures ----
export {
  SAMPLE_DIALOGUE_ID,
  sampleAppraiseInput,
  sampleCharacter,
  sampleOptionsInput,
  sampleReplyInput,
  sampleTurnInput,
} from './ai-gateway/ai-task-fixtures';

// ---- adapters tests build by hand ----
export { OpenAiProvider } from './adapters/ai/openai-provider';

// ---- in-process adapters ----
export { InMemoryDialogueStore } from './adapters/memory/memory-dialogue-store';
export { InMemoryMemoryStore } from './adapters/memory/memory-memory-store';
export { MemoryAnalyticsStore } from './adapters/memory/memory-analytics-store';
export { BoundedIdSet, MemorySeenEvents } from './adapters/memory/memory-seen-events';
export { InProcessEventBus } from './adapters/memory/in-process-event-bus';
