// The server-side code reads SSE through eventsource-parser (`readSseFrames` in the shared library). This browser client
// keeps its own tiny reader on purpose: it ships to game clients as a package with no runtime dependencies, and it
// only ever reads Parley's own streams (`event:` plus one JSON `data:` line), so a few lines cover the whole format.

/** One Server-Sent Event as the server writes it: `event: <name>` and one JSON `data:` line. */
export type SseFrame = { event: string; data: unknown };

/**
 * Reads SSE frames from a fetch body as they arrive (browsers and Node 18+ both expose a ReadableStream).
 * The server reads SSE with a kept parser; this small reader is the client's own so that the published
 * package has no runtime dependency (it reads only what Parley writes: `event:` and `data:` lines).
 */
export async function* readSseFrames(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseFrame> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (frame) yield frame;
      }
    }
    signal?.throwIfAborted();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}

function parseFrame(text: string): SseFrame | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) continue;
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length === 0) return null;
  return { event, data: JSON.parse(data.join('\n')) };
}
