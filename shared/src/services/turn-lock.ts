import type { DialogueStore } from '../ports/dialogue-store';

/** The longest a turn lock lives without renewal: an orphaned lock (a crashed pod, a Redis restart) frees itself this soon. */
export const MAX_TURN_LOCK_MS = 5_000;
/** Between two attempts to release a lock whose release failed. */
const RELEASE_RETRY_MS = 200;
/** A held lock is renewed at least this often. */
export const MAX_RENEW_EVERY_MS = 1_500;

/** How often a lock of `lockMs` is renewed: a third of its life, at most every 1.5 s, so two renewals may fail before it lapses. */
export function renewEveryMs(lockMs: number): number {
  return Math.min(MAX_RENEW_EVERY_MS, Math.max(50, Math.floor(lockMs / 3)));
}

/**
 * A turn lock this process holds: renewed on a timer while the work runs (a short lifetime then
 * covers a long AI call), and released when it is done. A release that fails (Redis unreachable) is
 * retried in the background until it succeeds or the lock has lapsed anyway; a commit that succeeded
 * released it already (same atomic step): `committed` then stops the renewal without a store call.
 */
export class HeldTurnLock {
  private readonly renewal: NodeJS.Timeout;
  private released = false;

  constructor(
    private readonly store: Pick<DialogueStore, 'renewTurnLock' | 'unlockTurn'>,
    private readonly dialogueId: string,
    private readonly holder: string,
    private readonly lockMs: number,
  ) {
    // A failed renewal is not an error: the next one may work, and an expired lock only lets
    // another turn start, which the commit's version check then refuses.
    this.renewal = setInterval(
      () => void store.renewTurnLock(dialogueId, holder, lockMs).catch(() => undefined),
      renewEveryMs(lockMs),
    );
    this.renewal.unref();
  }

  /** The commit released the lock in its own atomic step: stop renewing, with nothing to send to the store. */
  committed(): void {
    this.released = true;
    clearInterval(this.renewal);
  }

  /** Stops renewing and releases; never throws (the lock lapses by itself at worst). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.renewal);
    if (await this.tryUnlock()) return;
    // Redis unreachable: keep trying in the background until the lock would have lapsed anyway.
    const giveUpAt = Date.now() + this.lockMs;
    const retry = setInterval(() => {
      if (Date.now() >= giveUpAt) {
        clearInterval(retry);
        return;
      }
      void this.tryUnlock().then((done) => done && clearInterval(retry));
    }, RELEASE_RETRY_MS);
    retry.unref();
  }

  private tryUnlock(): Promise<boolean> {
    return this.store.unlockTurn(this.dialogueId, this.holder).then(
      () => true,
      () => false,
    );
  }
}
