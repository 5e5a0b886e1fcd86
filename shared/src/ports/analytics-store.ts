/**
 * Where the analytics counters live. Every adapter (in-memory, Redis) guarantees, and the contract
 * suite in `adapters/contracts/analytics-store.contract.ts` proves:
 * - idempotent per event id: `record` applies the increments of an event id once; a later call with
 *   the same id (a redelivery, a retry, a second pod) changes nothing and answers `false`, also
 *   when the calls race. Ids are remembered for a bounded time (days), longer than any retry;
 * - atomic: the increments of one call are all applied, or none is and the call rejects;
 * - `counters` answers the running sums, including counters incremented by 0.
 * Failures of the backing service reject with `StoreUnavailable`.
 */
export interface AnalyticsStore {
  /** Add `increments` (counter name -> amount); false when this event id was already recorded. */
  record(eventId: string, increments: Record<string, number>): Promise<boolean>;
  counters(): Promise<Record<string, number>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every adapter checks `record`'s increments with this first (a RangeError names the bad one): it
 * rejects the whole call before anything is applied, which keeps `record` all-or-nothing.
 */
export function checkIncrements(increments: Record<string, number>): void {
  for (const [name, amount] of Object.entries(increments)) {
    if (name === '' || !Number.isFinite(amount))
      throw new RangeError(`invalid increment ${JSON.stringify(name)}: ${amount}`);
  }
}
