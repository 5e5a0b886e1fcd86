import { Aborted, AiUnavailable } from '../../domain/errors';

/**
 * At most `size` holders at once (the context's sequences), at most `queueLimit` callers waiting;
 * beyond that `acquire` fails at once with AiUnavailable (503 + Retry-After) instead of piling up.
 * A waiter whose signal aborts leaves the queue.
 */
export class SequenceSlots {
  private active = 0;
  private readonly waiting: Array<{ grant: () => void; fail: (err: unknown) => void }> = [];

  constructor(
    readonly size: number,
    readonly queueLimit: number,
  ) {}

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function; call it exactly once. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new Aborted('the caller went away');
    if (this.active < this.size) {
      this.active++;
      return this.releaser();
    }
    if (this.waiting.length >= this.queueLimit) {
      throw new AiUnavailable(`the local model is busy: ${this.active} generating, ${this.waiting.length} waiting`, {
        details: { parallel: this.size, queueLimit: this.queueLimit },
      });
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
        fail: reject,
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new Aborted('the caller went away while queued'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; `active` stays the same.
      if (next) next.grant();
      else this.active--;
    };
  }
}
