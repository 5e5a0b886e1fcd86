import { createParser, type ParseError } from 'eventsource-parser';

/** One Server-Sent Event as received: its `event` name (`message` when the server named none), `data` as sent, `id` if any. */
export type SseFrame = { event: string; data: string; id?: string };

/** The most characters one frame (or one unterminated line) may hold before the stream is rejected. */
export const SSE_MAX_FRAME_CHARS = 1_048_576;

/**
 * Reads Server-Sent Events from a fetch body as they arrive, whatever the chunk boundaries. Parsing
 * (`\r\n`/`\r`/`\n` line ends, comments, multi-line `data`, `id`, events without data skipped) is
 * eventsource-parser's, which follows the WHATWG HTML "event stream interpretation" rules; a final
 * frame without its blank line is dropped, as the spec says. Leaving the loop early cancels the body.
 *
 * @param body the response body (`text/event-stream`, UTF-8)
 * @param options.maxFrameChars limit for one frame being assembled (default {@link SSE_MAX_FRAME_CHARS}), so a
 *   server that never ends a line cannot grow our memory without bound
 * @throws SyntaxError when a frame exceeds `maxFrameChars`; the body's own errors (network, abort) as they come
 */
export async function* readSseFrames(
  body: ReadableStream<Uint8Array>,
  options: { maxFrameChars?: number } = {},
): AsyncGenerator<SseFrame> {
  const maxBufferSize = options.maxFrameChars ?? SSE_MAX_FRAME_CHARS;
  const parsed: SseFrame[] = [];
  let failure: ParseError | undefined;
  const parser = createParser({
    maxBufferSize,
    onEvent: ({ event, data, id }) =>
      parsed.push(id === undefined ? { event: event ?? 'message', data } : { event: event ?? 'message', data, id }),
    // Unknown fields and bad `retry` values are ignored, as the spec says; only the size limit stops the stream.
    onError: (err) => {
      if (err.type === 'max-buffer-size-exceeded') failure = err;
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      parser.feed(done ? decoder.decode() : decoder.decode(value, { stream: true }));
      if (failure) throw new SyntaxError(`an SSE frame exceeded ${maxBufferSize} characters`, { cause: failure });
      yield* parsed.splice(0);
      if (done) return;
    }
  } finally {
    // Stops the download when the consumer leaves early (or the stream failed).
    await reader.cancel().catch(() => undefined);
  }
}
