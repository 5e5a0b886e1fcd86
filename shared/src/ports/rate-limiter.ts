/**
 * Counts requests per key in a fixed window. Every adapter guarantees: at most `points` calls of
 * `consume(key)` are allowed per window and key, across every process sharing the adapter's store;
 * a refused call says how long until the window frees a point. `consume` never rejects for a
 * store outage: the adapter falls back to a local count instead (limits hold per process then).
 */
export interface RateLimiter {
  consume(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }>;
  close(): Promise<void>;
}
