import { DeltaFramer } from './delta-framer';

/** A framer on a hand-driven clock: `advance` moves time and runs the timers that fall due. */
function harness(windowMs = 5, maxChars = 10) {
  let now = 0;
  const frames: Array<{ at: number; text: string }> = [];
  let timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  const framer = new DeltaFramer({
    windowMs,
    maxChars,
    send: (text) => frames.push({ at: now, text }),
    now: () => now,
    schedule: (fn, ms) => {
      const timer = { at: now + ms, fn, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  });
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      now = due.at;
      due.cancelled = true;
      due.fn();
    }
    now = until;
    timers = timers.filter((t) => !t.cancelled);
  };
  /** Moves time without running the timers (an event loop too busy to run them). */
  const skip = (ms: number) => {
    now += ms;
  };
  const pending = () => timers.filter((t) => !t.cancelled).length;
  return { framer, frames, advance, skip, pending };
}

describe('DeltaFramer', () => {
  it('sends the first delta alone, at once', () => {
    const { framer, frames, pending } = harness();
    framer.push('Once');
    expect(frames).toEqual([{ at: 0, text: 'Once' }]);
    expect(pending()).toBe(0);
  });

  it('batches the deltas that follow within the window into one frame, sent when the window ends', () => {
    const { framer, frames, advance } = harness(5, 100);
    framer.push('Once');
    advance(1);
    framer.push(' upon');
    advance(1);
    framer.push(' a');
    framer.push(' time');
    expect(frames).toHaveLength(1);
    advance(2);
    expect(frames).toHaveLength(1);
    advance(1);
    expect(frames).toEqual([
      { at: 0, text: 'Once' },
      { at: 5, text: ' upon a time' },
    ]);
  });

  it('sends a frame at once when it reaches the size limit', () => {
    const { framer, frames, pending } = harness(5, 10);
    framer.push('a');
    framer.push('12345');
    framer.push('67890');
    expect(frames.map((f) => f.text)).toEqual(['a', '1234567890']);
    expect(pending()).toBe(0);
  });

  it('sends a delta at once when the line has been idle for a window', () => {
    const { framer, frames, advance } = harness(5);
    framer.push('a');
    advance(20);
    framer.push('b');
    expect(frames).toEqual([
      { at: 0, text: 'a' },
      { at: 20, text: 'b' },
    ]);
  });

  it('sends at once when the window is over before a late timer ran', () => {
    const { framer, frames, advance, skip, pending } = harness(5);
    framer.push('a');
    advance(2);
    framer.push('b');
    // A busy event loop: time passes the window and the timer has not run yet.
    skip(4);
    framer.push('c');
    expect(frames).toEqual([
      { at: 0, text: 'a' },
      { at: 6, text: 'bc' },
    ]);
    expect(pending()).toBe(0);
  });

  it('flush sends what waits before the stream ends, and nothing when nothing waits', () => {
    const { framer, frames, advance, pending } = harness(5);
    framer.push('a');
    advance(1);
    framer.push('b');
    framer.push('c');
    framer.flush();
    framer.flush();
    expect(frames.map((f) => f.text)).toEqual(['a', 'bc']);
    expect(pending()).toBe(0);
    advance(10);
    expect(frames).toHaveLength(2);
  });

  it('close drops what waits and sends nothing more', () => {
    const { framer, frames, advance, pending } = harness(5);
    framer.push('a');
    advance(1);
    framer.push('b');
    framer.close();
    expect(pending()).toBe(0);
    advance(10);
    framer.push('c');
    framer.flush();
    expect(frames.map((f) => f.text)).toEqual(['a']);
  });

  it('with a zero window, every delta is its own frame', () => {
    const { framer, frames, pending } = harness(0);
    for (const t of ['a', 'b', 'c']) framer.push(t);
    expect(frames.map((f) => f.text)).toEqual(['a', 'b', 'c']);
    expect(pending()).toBe(0);
  });

  it('the frames joined are the deltas joined, in order, whatever the timing', () => {
    const { framer, frames, advance } = harness(4, 7);
    const deltas = 'Once upon a time there was a small bird who sang. '.split(/(?= )/);
    deltas.forEach((d, i) => {
      framer.push(d);
      advance(i % 3);
    });
    framer.flush();
    expect(frames.map((f) => f.text).join('')).toBe(deltas.join(''));
    expect(frames.length).toBeLessThan(deltas.length);
  });
});
