import { describeAnalyticsStoreContract } from './analytics-store.contract';
import { MemoryAnalyticsStore } from '../memory/memory-analytics-store';

// The Redis adapter runs the same contract in analytics-store.int.test.ts.
describeAnalyticsStoreContract('memory', async () => new MemoryAnalyticsStore());
