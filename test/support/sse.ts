/** A small SSE reader for tests: yields each event as soon as its frame has arrived. */
export type SseEvent = { event: string; data: unknown; at: number };

export async function* readSse(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      yield { event, data: data.length ? JSON.parse(data.join('\n')) : null, at: Date.now() };
    }
  }
}

export async function collectSse(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const e of readSse(response)) events.push(e);
  return events;
}
