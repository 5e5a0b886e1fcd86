import { createHash, randomUUID } from 'node:crypto';
import type { DialogueState, Outcome, Turn, TurnResult } from '../../domain/dialogue';
import type { ParleyEvent } from '../../domain/events';
import {
  EXPIRY_GRACE_SECONDS,
  assertVersionAdvances,
  type CommitResult,
  type CreateResult,
  type DialogueStore,
  type EndCommit,
  type ExpireResult,
  type StartClaim,
  type StartClaimResult,
  type TurnCommit,
  type TurnRead,
} from '../../ports/dialogue-store';

type Expiring<T> = { value: T; expiresAt: number };
type StoredOutcome = { playerId: string; outcome: Outcome };

/** Expired entries are dropped on access, and all of them at most this often (by the injected clock). */
const SWEEP_EVERY_MS = 60_000;

/**
 * The store for one process (`npm start`, tests). Same contract as the Redis store: every method
 * runs to completion without awaiting, so each write is atomic; values are deep-copied in and out
 * so a caller can never change what is stored; TTLs follow the injected clock.
 */
export class InMemoryDialogueStore implements DialogueStore {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly states = new Map<string, Expiring<DialogueState>>();
  private readonly transcripts = new Map<string, Expiring<Turn[]>>();
  private readonly locks = new Map<string, Expiring<string>>();
  private readonly results = new Map<string, Expiring<TurnResult>>();
  private readonly outcomes = new Map<string, Expiring<StoredOutcome>>();
  /** Insertion order of the map is the order `outboxDialogues` answers in. */
  private readonly outbox = new Map<string, ParleyEvent[]>();
  /** A player's start `Idempotency-Key` (JSON of [playerId, key]) and what it claimed. */
  private readonly startClaims = new Map<string, Expiring<StoredStartClaim>>();
  /** Idle deadline (ms) of each live dialogue. */
  private readonly deadlines = new Map<string, number>();
  private lastSweep: number;

  constructor(options: { ttlSeconds: number; now?: () => number }) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.now = options.now ?? Date.now;
    this.lastSweep = this.now();
  }

  /** Any random UUID: one process keeps every dialogue, there is nowhere else to point at. */
  newDialogueId(_playerId: string): string {
    return randomUUID();
  }

  async create(
    state: DialogueState,
    greeting: Turn,
    events: ParleyEvent[],
    options: { maxActivePerPlayer?: number } = {},
  ): Promise<CreateResult> {
    this.sweep();
    if (this.live(this.states, state.id)) return { ok: false, reason: 'exists' };
    const max = options.maxActivePerPlayer ?? 0;
    if (max > 0) {
      const active = this.countActive(state.playerId);
      if (active >= max) return { ok: false, reason: 'limit', active };
    }
    const expiresAt = this.now() + this.ttlMs + EXPIRY_GRACE_SECONDS * 1000;
    this.states.set(state.id, { value: structuredClone(state), expiresAt });
    this.transcripts.set(state.id, { value: [structuredClone(greeting)], expiresAt });
    this.deadlines.set(state.id, this.now() + this.ttlMs);
    this.pushOutbox(state.id, events);
    return { ok: true };
  }

  async claimStart(playerId: string, idempotencyKey: string, claim: StartClaim): Promise<StartClaimResult> {
    this.sweep();
    const key = JSON.stringify([playerId, idempotencyKey]);
    const stored = storedStartClaim(claim);
    const held = this.live(this.startClaims, key);
    if (held)
      return { claimed: false, dialogueId: held.dialogueId, sameRequest: held.requestHash === stored.requestHash };
    this.startClaims.set(key, { value: stored, expiresAt: this.now() + this.ttlMs + EXPIRY_GRACE_SECONDS * 1000 });
    return { claimed: true };
  }

  async activeDialogues(playerId: string): Promise<number> {
    return this.countActive(playerId);
  }

  async listActiveDialogues(
    playerId: string,
    page: { limit: number; after?: string },
  ): Promise<{ dialogues: DialogueState[]; next: string | null }> {
    const ids = [...this.states.keys()]
      .filter(
        (id) => this.live(this.states, id)?.playerId === playerId && (page.after === undefined || id > page.after),
      )
      .sort();
    const dialogues = ids.slice(0, page.limit).map((id) => structuredClone(this.live(this.states, id)!));
    return { dialogues, next: ids.length > page.limit ? dialogues[dialogues.length - 1]!.id : null };
  }

  /** A scan of the live states: one process holds few enough that an index is not worth keeping in step. */
  private countActive(playerId: string): number {
    let active = 0;
    for (const id of [...this.states.keys()]) if (this.live(this.states, id)?.playerId === playerId) active++;
    return active;
  }

  async load(dialogueId: string): Promise<DialogueState | null> {
    const state = this.live(this.states, dialogueId);
    return state ? structuredClone(state) : null;
  }

  async transcript(dialogueId: string): Promise<Turn[]> {
    return structuredClone(this.live(this.transcripts, dialogueId) ?? []);
  }

  async lockTurn(
    dialogueId: string,
    messageId: string,
    ttlMs: number,
  ): Promise<{ acquired: true } | { acquired: false; heldBy: string }> {
    const heldBy = this.live(this.locks, dialogueId);
    if (heldBy !== undefined) return { acquired: false, heldBy };
    this.locks.set(dialogueId, { value: messageId, expiresAt: this.now() + ttlMs });
    return { acquired: true };
  }

  async unlockTurn(dialogueId: string, messageId: string): Promise<void> {
    if (this.live(this.locks, dialogueId) === messageId) this.locks.delete(dialogueId);
  }

  async renewTurnLock(dialogueId: string, messageId: string, ttlMs: number): Promise<boolean> {
    if (this.live(this.locks, dialogueId) !== messageId) return false;
    this.locks.set(dialogueId, { value: messageId, expiresAt: this.now() + ttlMs });
    return true;
  }

  async turnResult(dialogueId: string, messageId: string): Promise<TurnResult | null> {
    const result = this.live(this.results, resultKey(dialogueId, messageId));
    return result ? structuredClone(result) : null;
  }

  async readTurn(dialogueId: string, messageId: string, lock?: { ttlMs: number }): Promise<TurnRead> {
    const result = await this.turnResult(dialogueId, messageId);
    const state = await this.load(dialogueId);
    if (result || !lock) return { result, state };
    return { result, state, lock: await this.lockTurn(dialogueId, messageId, lock.ttlMs) };
  }

  async commitTurn(commit: TurnCommit): Promise<CommitResult> {
    this.sweep();
    assertVersionAdvances(commit.state.version, commit.expectedVersion);
    const id = commit.state.id;
    const stored = this.live(this.states, id);
    if (!stored) return { ok: false, reason: 'missing' };
    if (this.live(this.results, resultKey(id, commit.messageId))) return { ok: false, reason: 'duplicate' };
    if (stored.version !== commit.expectedVersion) return { ok: false, reason: 'version' };

    const expiresAt = this.now() + this.ttlMs + EXPIRY_GRACE_SECONDS * 1000;
    this.deadlines.set(id, this.now() + this.ttlMs);
    this.states.set(id, { value: structuredClone(commit.state), expiresAt });
    const turns = this.live(this.transcripts, id) ?? [];
    turns.push(...structuredClone(commit.newTurns));
    this.transcripts.set(id, { value: turns, expiresAt });
    this.results.set(resultKey(id, commit.messageId), { value: structuredClone(commit.result), expiresAt });
    this.pushOutbox(id, commit.events);
    if (this.live(this.locks, id) === commit.messageId) this.locks.delete(id);
    return { ok: true };
  }

  async end(commit: EndCommit): Promise<CommitResult> {
    const answer = this.runEnd(commit, false);
    return answer === 'ok' ? { ok: true } : { ok: false, reason: answer === 'active' ? 'version' : answer };
  }

  async expiredDialogues(limit: number): Promise<string[]> {
    const now = this.now();
    const due = [...this.deadlines].filter(([, deadline]) => deadline <= now).sort((a, b) => a[1] - b[1]);
    const live: string[] = [];
    for (const [id] of due) {
      if (live.length >= limit) break;
      if (this.live(this.states, id)) live.push(id);
      else this.deadlines.delete(id);
    }
    return live;
  }

  async expire(commit: EndCommit): Promise<ExpireResult> {
    const answer = this.runEnd(commit, true);
    return answer === 'ok' ? { ok: true } : { ok: false, reason: answer };
  }

  private runEnd(commit: EndCommit, onlyIfExpired: boolean): 'ok' | 'missing' | 'version' | 'active' {
    this.sweep();
    const id = commit.dialogueId;
    const stored = this.live(this.states, id);
    if (!stored) {
      this.deadlines.delete(id);
      return 'missing';
    }
    if (stored.version !== commit.expectedVersion) return 'version';
    if (onlyIfExpired) {
      if ((this.deadlines.get(id) ?? 0) > this.now()) return 'active';
      if (this.live(this.locks, id) !== undefined) return 'active';
    }

    this.states.delete(id);
    this.transcripts.delete(id);
    this.locks.delete(id);
    this.deadlines.delete(id);
    this.outcomes.set(id, {
      value: structuredClone({ playerId: commit.playerId, outcome: commit.outcome }),
      expiresAt: this.now() + this.ttlMs,
    });
    this.pushOutbox(id, commit.events);
    return 'ok';
  }

  async outcome(dialogueId: string): Promise<{ playerId: string; outcome: Outcome } | null> {
    const stored = this.live(this.outcomes, dialogueId);
    return stored ? structuredClone(stored) : null;
  }

  async outboxDialogues(limit: number): Promise<string[]> {
    return [...this.outbox.keys()].slice(0, Math.max(0, limit));
  }

  async pendingEvents(dialogueId: string, limit: number): Promise<ParleyEvent[]> {
    return structuredClone((this.outbox.get(dialogueId) ?? []).slice(0, Math.max(0, limit)));
  }

  async ackOutbox(dialogueId: string, eventIds: string[]): Promise<void> {
    const events = this.outbox.get(dialogueId);
    if (!events) return;
    // Only head events named here go: an id acked twice (two publishers) or not at the head is ignored.
    const acked = new Set(eventIds);
    let drop = 0;
    while (drop < events.length && acked.has(events[drop]!.id)) drop++;
    events.splice(0, drop);
    if (events.length === 0) this.outbox.delete(dialogueId);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  /** The value under `key` unless it has expired (then it is dropped, as Redis would). */
  private live<T>(map: Map<string, Expiring<T>>, key: string): T | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private pushOutbox(dialogueId: string, events: ParleyEvent[]): void {
    if (events.length === 0) return;
    const pending = this.outbox.get(dialogueId) ?? [];
    pending.push(...structuredClone(events));
    this.outbox.set(dialogueId, pending);
  }

  /** Keeps a long-running process from holding expired dialogues and answers forever. */
  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const map of [
      this.states,
      this.transcripts,
      this.locks,
      this.results,
      this.outcomes,
      this.startClaims,
    ] as Array<Map<string, Expiring<unknown>>>) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
    for (const id of this.deadlines.keys()) if (!this.states.has(id)) this.deadlines.delete(id);
  }
}

function resultKey(dialogueId: string, messageId: string): string {
  return `${dialogueId}\n${messageId}`;
}

/** What is kept of a start claim: the dialogue id and the request's sha-256 (hex), as the port says. */
type StoredStartClaim = { dialogueId: string; requestHash: string };
function storedStartClaim(claim: StartClaim): StoredStartClaim {
  return { dialogueId: claim.dialogueId, requestHash: createHash('sha256').update(claim.request).digest('hex') };
}
