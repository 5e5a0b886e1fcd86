/**
 * Remembers which event ids a subscriber has handled, so a redelivered event is handled once.
 * `firstTime` is an atomic test-and-set: of any number of concurrent calls with one id, exactly one
 * answers true. Ids are remembered for a bounded time or number, longer than any redelivery.
 * Failures of the backing service reject with `StoreUnavailable`.
 */
export interface SeenEvents {
  firstTime(eventId: string): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
