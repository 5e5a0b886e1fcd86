import { readSseFrames } from '@parley/shared/http';

/** One event of a Parley SSE answer, its JSON data parsed, with the time it arrived (ms since the epoch). */
export type SseEvent = { event: string; data: unknown; at: number };

/** Yields each event of a streamed answer as soon as its frame has arrived; data is JSON, as Parley sends it. */
export async function* readSse(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) throw new Error('no body');
  for await (const frame of readSseFrames(response.body))
    yield { event: frame.event, data: JSON.parse(frame.data), at: Date.now() };
}

export async function collectSse(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const e of readSse(response)) events.push(e);
  return events;
}
