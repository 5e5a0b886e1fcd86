/** What a `DeltaFramer` needs: where frames go, the window and size, and (for tests) the clock and timers. */
export type DeltaFramerOptions = {
  /** Sends one frame: the text of the deltas it holds, joined. */
  send: (text: string) => void;
  /**
   * Milliseconds a frame may wait for more deltas after the previous frame left; 0 sends every delta
   * as its own frame.
   */
  windowMs: number;
  /** A frame holding at least this many UTF-16 code units is sent at once. */
  maxChars: number;
  /** Milliseconds, monotonic (default `performance.now`). */
  now?: () => number;
  /** Runs `fn` in `ms` milliseconds; returns its cancel (default `setTimeout` / `clearTimeout`). */
  schedule?: (fn: () => void, ms: number) => () => void;
};

const realSchedule = (fn: () => void, ms: number) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

/**
 * Coalesces a stream's text deltas into frames, so that a fast local model costs one write (and one
 * parse at the client) every few milliseconds instead of one per token. A delta goes out at once
 * when the line is idle (the first one always, and any that comes `windowMs` or more after the last
 * frame); otherwise it waits with the others until `windowMs` after the last frame, or until the
 * frame holds `maxChars`. `flush` before the stream's last event; `close` when the client is gone.
 *
 * It only joins what it is given, in order: the text of the frames joined is the deltas' text joined,
 * so it never shows anything the reply filter did not release.
 */
export class DeltaFramer {
  private readonly options: DeltaFramerOptions;
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => () => void;
  /** The waiting deltas, joined only when sent (no copy per delta). */
  private parts: string[] = [];
  private chars = 0;
  private lastSentAt: number | undefined;
  private cancelTimer: (() => void) | undefined;
  private closed = false;

  constructor(options: DeltaFramerOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
    this.schedule = options.schedule ?? realSchedule;
  }

  /** One delta; sent now or with the next frame. Ignored after `close`. */
  push(text: string): void {
    if (this.closed || text.length === 0) return;
    this.parts.push(text);
    this.chars += text.length;
    const now = this.now();
    if (
      this.lastSentAt === undefined ||
      now - this.lastSentAt >= this.options.windowMs ||
      this.chars >= this.options.maxChars
    ) {
      this.flush();
      return;
    }
    this.cancelTimer ??= this.schedule(
      () => {
        this.cancelTimer = undefined;
        this.flush();
      },
      this.lastSentAt + this.options.windowMs - now,
    );
  }

  /** Sends the waiting deltas now, as one frame (nothing when none wait). */
  flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.closed || this.parts.length === 0) return;
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.chars = 0;
    this.lastSentAt = this.now();
    this.options.send(text);
  }

  /** Drops what waits and sends nothing more (the client went away, or the stream is over). */
  close(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.parts = [];
    this.chars = 0;
    this.closed = true;
  }
}
