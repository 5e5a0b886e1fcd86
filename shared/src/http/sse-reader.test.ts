import { readSseFrames, type SseFrame } from './sse-reader';

/** A body that delivers `bytes` in pieces of `size` bytes, and records whether it was cancelled. */
function chunked(bytes: Uint8Array, size: number) {
  const state = { cancelled: false };
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { body, state };
}

async function collect(frames: AsyncIterable<SseFrame>): Promise<SseFrame[]> {
  const out: SseFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

describe('readSseFrames', () => {
  test('parses frames split at any byte: CRLF, CR, comments, multi-line data, ids, multi-byte characters', async () => {
    const text =
      ': hello\r\nevent: delta\r\ndata: {"text":"a"}\r\n\r\nevent: delta\ndata: {"text":\ndata: "ü—b"}\n\n' +
      'id: 7\rdata: plain\r\revent: done\ndata: {}\n\n';
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 3, 7, bytes.length]) {
      expect(await collect(readSseFrames(chunked(bytes, size).body))).toEqual([
        { event: 'delta', data: '{"text":"a"}' },
        { event: 'delta', data: '{"text":\n"ü—b"}' },
        { event: 'message', data: 'plain', id: '7' },
        { event: 'done', data: '{}' },
      ]);
    }
  });

  test('an event without data is not dispatched, and a last frame without its blank line is dropped', async () => {
    const bytes = new TextEncoder().encode('event: ping\n\ndata: kept\n\nevent: cut\ndata: {"half":');
    expect(await collect(readSseFrames(chunked(bytes, 4).body))).toEqual([{ event: 'message', data: 'kept' }]);
  });

  test('a frame over the size limit is a SyntaxError, not unbounded buffering', async () => {
    const bytes = new TextEncoder().encode(`data: ${'x'.repeat(200)}`);
    await expect(collect(readSseFrames(chunked(bytes, 16).body, { maxFrameChars: 64 }))).rejects.toThrow(SyntaxError);
  });

  test('leaving the loop early cancels the body', async () => {
    const frames = Array.from({ length: 50 }, (_, i) => `data: ${i}\n\n`).join('');
    const { body, state } = chunked(new TextEncoder().encode(frames), 8);
    for await (const frame of readSseFrames(body)) if (frame.data === '1') break;
    expect(state.cancelled).toBe(true);
  });
});
