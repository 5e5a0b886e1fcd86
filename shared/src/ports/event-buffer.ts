import type { ParleyEvent } from '../domain/events';

/**
 * Events waiting to be published, for a process whose events belong to no dialogue outbox
 * (ai-generate's AI-call analytics). Every adapter guarantees: `append` resolves only once the events
 * are kept (the Redis adapter: written to Redis; the memory adapter: held in this process, lost on
 * restart, the oldest dropped beyond its bound); `head` answers them oldest first; `ack` removes
 * exactly the given ids from the head and nothing else. Appends from several processes may interleave.
 */
export interface EventBuffer {
  append(events: ParleyEvent[]): Promise<void>;
  head(limit: number): Promise<ParleyEvent[]>;
  ack(eventIds: string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
