import type { DialogueState, Outcome, Turn, TurnResult } from '../domain/dialogue';
import type { ParleyEvent } from '../domain/events';

/**
 * Where dialogues live. Every adapter (in-memory, Redis) guarantees, and the contract suite in
 * `dialogue-store.contract.ts` proves:
 * - `create`, `commitTurn` and `end` are atomic: the state, the transcript entries, the stored
 *   answer and the outbox events are all written or none is;
 * - `commitTurn` and `end` are compare-and-set on `version`: with a stale version nothing is
 *   written and the call answers `{ ok: false, reason: 'version' }`;
 * - a `messageId` is applied at most once: a second commit with it answers `reason: 'duplicate'`
 *   and the first answer stays readable through `turnResult`;
 * - the turn lock is held by one `messageId` at a time and expires by itself (a crashed pod
 *   cannot block a dialogue forever);
 * - events handed to a write are kept in the outbox, in order per dialogue, until `ackOutbox`;
 * - `create` and `commitTurn` set the dialogue's idle deadline to now + ttl (the store's own clock,
 *   so replicas with skewed clocks agree); the live keys outlive it by a grace period, so a dialogue
 *   is never lost before a sweeper has resolved it; `expire` ends it at most once, and only while it
 *   is still past its deadline, at its expected version, with no turn holding the lock;
 * - each player's live dialogues are counted atomically with `create` / `end` / `expire`: given
 *   `maxActivePerPlayer`, `create` refuses (`reason: 'limit'`, nothing written) when the player
 *   already has that many; ending or expiring one frees its slot;
 * - `create` with an id that exists writes nothing and answers `reason: 'exists'` (a retried start
 *   completes its dialogue once);
 * - `claimStart` is one atomic set-if-absent on one key: of many claims of a player's key, one wins, every
 *   other answers the winner's dialogue id and whether its request was the same (adapters keep a sha-256
 *   of `request`, never the request itself); the claim is kept for the dialogue keys' TTL from the
 *   claim and never refreshed.
 */
export interface DialogueStore {
  /**
   * A new random dialogue id (a UUID) for this player. The id embeds where the dialogue lives (the Redis
   * store puts the player's bucket in it and finds every key of the dialogue from the id alone), so a
   * dialogue must be created with an id from here, for the same player.
   */
  newDialogueId(playerId: string): string;
  /**
   * `reason: 'exists'` (nothing written) when the id exists. `maxActivePerPlayer` 0 or absent: no cap.
   * Throws when the id was not made by `newDialogueId` for this player (a caller bug).
   */
  create(
    state: DialogueState,
    greeting: Turn,
    events: ParleyEvent[],
    options?: { maxActivePerPlayer?: number },
  ): Promise<CreateResult>;
  /**
   * Claims the player's `Idempotency-Key` of a start for a dialogue id not created yet. Claim first, then
   * create that id: a retry after a crash between the two finds the claim and completes the same dialogue.
   */
  claimStart(playerId: string, idempotencyKey: string, claim: StartClaim): Promise<StartClaimResult>;
  /** How many live (not ended, not expired) dialogues the player has. */
  activeDialogues(playerId: string): Promise<number>;
  /**
   * One page of the player's live dialogues, ordered by id: at most `limit` states whose id is greater
   * than `after`; `next` is the cursor of the following page (the last id), null on the last page.
   */
  listActiveDialogues(
    playerId: string,
    page: { limit: number; after?: string },
  ): Promise<{ dialogues: DialogueState[]; next: string | null }>;
  /** The hot state, or null when there is no live dialogue with this id. */
  load(dialogueId: string): Promise<DialogueState | null>;
  /** The full transcript, oldest first. */
  transcript(dialogueId: string): Promise<Turn[]>;

  /** Take the turn lock for `messageId`; answers the messageId that holds it when another does. */
  lockTurn(
    dialogueId: string,
    messageId: string,
    ttlMs: number,
  ): Promise<{ acquired: true } | { acquired: false; heldBy: string }>;
  /** Release the lock if `messageId` holds it (a no-op otherwise). */
  unlockTurn(dialogueId: string, messageId: string): Promise<void>;
  /** Extend the lock to `ttlMs` from now if `messageId` still holds it; false when it does not. */
  renewTurnLock(dialogueId: string, messageId: string, ttlMs: number): Promise<boolean>;
  /** The stored answer of an applied turn, for replays. */
  turnResult(dialogueId: string, messageId: string): Promise<TurnResult | null>;
  /**
   * A turn's reads in one atomic call: the stored answer of `messageId` (a replay) and the hot state.
   * With `lock`, and no stored answer, it also takes the turn lock for `messageId` as `lockTurn` does
   * (`lock` in the answer), so the state read is the one the lock protects.
   */
  readTurn(dialogueId: string, messageId: string, lock?: { ttlMs: number }): Promise<TurnRead>;
  /** Applies the turn and, in the same atomic step, releases the turn lock `commit.messageId` holds. */
  commitTurn(commit: TurnCommit): Promise<CommitResult>;

  /** Remove the live state and keep the outcome readable for `outcomeTtlSeconds`. */
  end(commit: EndCommit): Promise<CommitResult>;
  /** The outcome of an ended dialogue, while it is kept. */
  outcome(dialogueId: string): Promise<{ playerId: string; outcome: Outcome } | null>;

  /**
   * At most `limit` ids of live dialogues idle past their deadline, oldest first within each partition the
   * adapter keeps (Redis: each index bucket, the buckets taken in turn from call to call, so none starves);
   * ids whose state is gone are dropped.
   */
  expiredDialogues(limit: number): Promise<string[]>;
  /** `end`, but only if the dialogue is still past its deadline and no turn holds its lock ('active' otherwise). */
  expire(commit: EndCommit): Promise<ExpireResult>;

  /**
   * At most `limit` dialogues with events not yet published (Redis: from each index bucket in turn), and
   * those events in order.
   */
  outboxDialogues(limit: number): Promise<string[]>;
  pendingEvents(dialogueId: string, limit: number): Promise<ParleyEvent[]>;
  /** Drop these events (the head of the dialogue's outbox) once they are published. */
  ackOutbox(dialogueId: string, eventIds: string[]): Promise<void>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

export type CreateResult =
  { ok: true } | { ok: false; reason: 'limit'; active: number } | { ok: false; reason: 'exists' };
/** What a player's `Idempotency-Key` on a start stands for: the dialogue it starts, and the request in canonical form. */
export type StartClaim = { dialogueId: string; request: string };
/** The key was free and is now this claim's, or it holds an earlier claim's dialogue. */
export type StartClaimResult = { claimed: true } | { claimed: false; dialogueId: string; sameRequest: boolean };
/** One applied turn, written at once: the new state, its transcript entries, the answer kept for replays, its events. */
export type TurnCommit = {
  expectedVersion: number;
  messageId: string;
  state: DialogueState;
  newTurns: Turn[];
  result: TurnResult;
  events: ParleyEvent[];
};

/** Ending a dialogue (by the player, or by expiry): its final outcome and events, at the version the caller read. */
export type EndCommit = {
  dialogueId: string;
  playerId: string;
  expectedVersion: number;
  outcome: Outcome;
  events: ParleyEvent[];
};

export type CommitResult = { ok: true } | { ok: false; reason: 'version' | 'duplicate' | 'missing' };
export type ExpireResult = { ok: true } | { ok: false; reason: 'version' | 'missing' | 'active' };

/**
 * How long a dialogue's live keys outlive its idle deadline. A sweeper resolves it in between; a day
 * covers a function scaled to zero (no sweeper running) until a request wakes a pod.
 */
/** What `readTurn` answers; `lock` only when it was asked to lock and found no stored answer. */
export type TurnRead = {
  result: TurnResult | null;
  state: DialogueState | null;
  lock?: { acquired: true } | { acquired: false; heldBy: string };
};

export const EXPIRY_GRACE_SECONDS = 86_400;

/**
 * A commit that does not raise the version would let a second writer with the same expected
 * version through the compare-and-set: a bug in the caller, not a conflict.
 */
export function assertVersionAdvances(newVersion: number, expectedVersion: number): void {
  if (!(newVersion > expectedVersion)) {
    throw new Error(`commitTurn: state.version ${newVersion} must be greater than expectedVersion ${expectedVersion}`);
  }
}
