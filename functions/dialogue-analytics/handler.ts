import {
  analyticsIncrements,
  analyticsReport,
  type AnalyticsReport,
  type AnalyticsStore,
  type ParleyEvent,
} from '@parley/shared';

/**
 * The dialogue-analytics use case. `handle` turns an event into counter increments (pure domain)
 * and records them once per event id (the store's guarantee), so redeliveries and a second pod
 * never count twice. Malformed event data rejects with `BadRequest`; a store failure with
 * `StoreUnavailable`, so the delivery is retried.
 */
export function createAnalyticsService(deps: { store: AnalyticsStore }) {
  return {
    /** An `EventHandler`: a second delivery of an id resolves too, having changed nothing. */
    async handle(event: ParleyEvent): Promise<void> {
      await deps.store.record(event.id, analyticsIncrements(event));
    },
    async report(): Promise<AnalyticsReport> {
      return analyticsReport(await deps.store.counters());
    },
  };
}
export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
