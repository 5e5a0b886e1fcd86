import { createHash } from 'node:crypto';
import type { DialogueState, Outcome, Turn, TurnResult } from '../../domain/dialogue';
import type { ParleyEvent } from '../../domain/events';
import { dialogueKeys, type DialogueKeys } from './dialogue-keys';
import {
  EXPIRY_GRACE_SECONDS,
  assertVersionAdvances,
  type CommitResult,
  type CreateResult,
  type DialogueStore,
  type StartClaim,
  type StartClaimResult,
  type EndCommit,
  type ExpireResult,
  type TurnCommit,
  type TurnRead,
} from '../../ports/dialogue-store';
import { asStoreCall } from './redis-failure';
import { afterWrite, closeRedis, connectRedis, pingRedis, type RedisClient, type RedisTarget } from './connection';
import { ACK_OUTBOX_LUA } from './outbox-ack';
import { BucketWalk } from './bucket-walk';
import { DEFAULT_INDEX_SHARDS, IndexShardsCheck, bucketOfDialogueId } from './index-shards';

/*
 * Each write is one Lua script, so it is atomic and a compare-and-set on the version. The version
 * lives in its own hash field (`v`) next to the state JSON (`s`): the check is a string compare,
 * no JSON is decoded, and no script ever reads the transcript, so a commit costs the same on
 * turn 2 and turn 2000.
 */

/** Milliseconds on the Redis clock: every replica reads the same one (Redis 7 replicates script effects). */
const NOW_MS = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * Keeps a player's live-dialogue set bounded by the keys' own lifetime: members are scored by the
 * deadline of their dialogue's keys, so a member past it (keys outlived without a sweeper) is dropped
 * before counting, and never holds a slot. Every key stays in KEYS: no key name is built in Lua.
 */
const COUNT_LIVE = `
local function countLive(set, now)
  redis.call('ZREMRANGEBYSCORE', set, '-inf', now)
  return redis.call('ZCARD', set)
end
`;

/** Extends a key's life to at least `ms` (never shortens it: other members may need longer). */
const KEEP_AT_LEAST = `
local function keepAtLeast(key, ms)
  local left = redis.call('PTTL', key)
  if left >= 0 and left < ms then redis.call('PEXPIRE', key, ms) end
end
`;

/**
 * KEYS: state, transcript, outbox, outbox index, expiry index, player set.
 * ARGV: version, state, greeting, keyTtl, dialogueId, idleMs, maxActive (0 = no cap), ...events
 * Answers {1} created, {0} the id exists, {-1, active} the player is at the cap (nothing written).
 */
const CREATE = `${NOW_MS}${COUNT_LIVE}${KEEP_AT_LEAST}
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
local now = nowMs()
local max = tonumber(ARGV[7])
if max > 0 then
  local active = countLive(KEYS[6], now)
  if active >= max then return {-1, active} end
end
local ttlMs = tonumber(ARGV[4]) * 1000
redis.call('HSET', KEYS[1], 'v', ARGV[1], 's', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('DEL', KEYS[2])
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[5], now + tonumber(ARGV[6]), ARGV[5])
local fresh = redis.call('EXISTS', KEYS[6]) == 0
redis.call('ZADD', KEYS[6], now + ttlMs, ARGV[5])
if fresh then redis.call('PEXPIRE', KEYS[6], ttlMs) else keepAtLeast(KEYS[6], ttlMs) end
for i = 8, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
if #ARGV >= 8 then redis.call('SADD', KEYS[4], ARGV[5]) end
return {1}
`;

/** KEYS: player set. */
const ACTIVE = `${NOW_MS}${COUNT_LIVE}
return countLive(KEYS[1], nowMs())
`;

/**
 * KEYS: state, transcript, result, outbox, outbox index, expiry index, player set, lock.
 * ARGV: expectedVersion, newVersion, state, result, keyTtl, dialogueId, idleMs, turnCount, messageId, ...turns, ...events
 * The turn's lock is released in the same step: no window where the turn is stored but its lock held.
 */
const COMMIT_TURN = `${NOW_MS}${KEEP_AT_LEAST}
local version = redis.call('HGET', KEYS[1], 'v')
if not version then return 'missing' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'duplicate' end
if version ~= ARGV[1] then return 'version' end
local ttl = ARGV[5]
local now = nowMs()
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
redis.call('EXPIRE', KEYS[1], ttl)
local turns = tonumber(ARGV[8])
for i = 10, 9 + turns do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('SET', KEYS[3], ARGV[4], 'EX', ttl)
redis.call('ZADD', KEYS[6], now + tonumber(ARGV[7]), ARGV[6])
-- The keys live on: so does the dialogue's place in the player's set (absent for a previous-layout id).
if redis.call('ZADD', KEYS[7], 'XX', 'CH', now + tonumber(ttl) * 1000, ARGV[6]) == 1 then
  keepAtLeast(KEYS[7], tonumber(ttl) * 1000)
end
for i = 10 + turns, #ARGV do redis.call('RPUSH', KEYS[4], ARGV[i]) end
if #ARGV >= 10 + turns then redis.call('SADD', KEYS[5], ARGV[6]) end
if redis.call('GET', KEYS[8]) == ARGV[9] then redis.call('DEL', KEYS[8]) end
return 'ok'
`;

/**
 * KEYS: state, transcript, lock, outcome, outbox, outbox index, expiry index, player set.
 * ARGV: expectedVersion, outcome, ttl, dialogueId, onlyIfExpired ('1' or '0'), ...events
 * With onlyIfExpired the dialogue ends only while it is past its deadline and no turn holds the
 * lock: a sweeper on another replica, or a player who just came back, wins the race cleanly.
 */
const END = `${NOW_MS}
local version = redis.call('HGET', KEYS[1], 'v')
if not version then
  redis.call('ZREM', KEYS[7], ARGV[4])
  redis.call('ZREM', KEYS[8], ARGV[4])
  return 'missing'
end
if version ~= ARGV[1] then return 'version' end
if ARGV[5] == '1' then
  local deadline = redis.call('ZSCORE', KEYS[7], ARGV[4])
  if deadline and tonumber(deadline) > nowMs() then return 'active' end
  if redis.call('EXISTS', KEYS[3]) == 1 then return 'active' end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[7], ARGV[4])
redis.call('ZREM', KEYS[8], ARGV[4])
redis.call('SET', KEYS[4], ARGV[2], 'EX', ARGV[3])
for i = 6, #ARGV do redis.call('RPUSH', KEYS[5], ARGV[i]) end
if #ARGV >= 6 then redis.call('SADD', KEYS[6], ARGV[4]) end
return 'ok'
`;

/**
 * KEYS: expiry index. ARGV: limit. Ids past their deadline, oldest first (the caller drops those whose
 * state is gone: their names are not known here, and a script builds no key name).
 */
const EXPIRED = `${NOW_MS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', nowMs(), 'LIMIT', 0, tonumber(ARGV[1]))
`;

/** KEYS: lock. ARGV: messageId, ttlMs. Answers {1} or {0, holder}; one script so the holder read cannot race its expiry. */
const LOCK_TURN = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
return {0, redis.call('GET', KEYS[1])}
`;

/**
 * KEYS: result, state, lock. ARGV: messageId, ttlMs ('' reads only). Answers {result, state} and,
 * when asked to lock and there is no result, 1 (taken) or 0 and the holder, as LOCK_TURN does.
 */
const READ_TURN = `
local result = redis.call('GET', KEYS[1])
local state = redis.call('HGET', KEYS[2], 's')
if result or ARGV[2] == '' then return {result, state} end
if redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then return {false, state, 1} end
return {false, state, 0, redis.call('GET', KEYS[3])}
`;

/** KEYS: lock. ARGV: messageId, ttlMs. Only the holder may extend it; answers 1 when it did. */
const RENEW_TURN = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** KEYS: lock. ARGV: messageId. Only the holder may release. */
const UNLOCK_TURN = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`;

type Scripts = {
  parleyCreate(...args: Array<string | number>): Promise<[1] | [0] | [-1, number]>;
  parleyActive(...args: Array<string | number>): Promise<number>;
  parleyCommitTurn(...args: Array<string | number>): Promise<'ok' | 'missing' | 'duplicate' | 'version'>;
  parleyEnd(...args: Array<string | number>): Promise<'ok' | 'missing' | 'version' | 'active'>;
  parleyExpired(...args: Array<string | number>): Promise<string[]>;
  parleyLockTurn(...args: Array<string | number>): Promise<[1] | [0, string]>;
  parleyReadTurn(...args: Array<string | number>): Promise<[string | null, string | null, (0 | 1)?, string?]>;
  parleyUnlockTurn(...args: Array<string | number>): Promise<number>;
  parleyRenewTurn(...args: Array<string | number>): Promise<number>;
  parleyAckOutbox(...args: Array<string | number>): Promise<number>;
};

const SCRIPTS: Array<[keyof Scripts, number, string]> = [
  ['parleyCreate', 6, CREATE],
  ['parleyActive', 1, ACTIVE],
  ['parleyCommitTurn', 8, COMMIT_TURN],
  ['parleyEnd', 8, END],
  ['parleyExpired', 1, EXPIRED],
  ['parleyLockTurn', 1, LOCK_TURN],
  ['parleyReadTurn', 3, READ_TURN],
  ['parleyUnlockTurn', 1, UNLOCK_TURN],
  ['parleyRenewTurn', 1, RENEW_TURN],
  ['parleyAckOutbox', 2, ACK_OUTBOX_LUA],
];

export type RedisDialogueStoreOptions = {
  /** An ioredis client without its own `keyPrefix`; owned by the caller unless `ownsConnection`. */
  redis: RedisClient;
  /** Prepended to every key, separator included (e.g. `parley:`). */
  keyPrefix: string;
  ttlSeconds: number;
  /** Index buckets (`REDIS_INDEX_SHARDS`, 1..4096, default 64); fixed for the life of the data. */
  indexShards?: number | undefined;
  ownsConnection?: boolean;
};

/**
 * Dialogues in Redis, in the key layout of `dialogueKeys` (every script's keys in one cluster slot).
 * Every Redis failure (refused, timed out, closed, script error) surfaces as `StoreUnavailable` with
 * the ioredis error as its cause. Before its first command the store checks the bucket count the data
 * was written with (`assertIndexShards`): a different `indexShards` fails every call with `ConfigError`.
 */
export class RedisDialogueStore implements DialogueStore {
  private readonly redis: RedisClient;
  private readonly scripts: Scripts;
  private readonly keys: DialogueKeys;
  private readonly ttlSeconds: number;
  private readonly ownsConnection: boolean;
  private readonly shardsCheck: IndexShardsCheck;
  /** The buckets' outbox indexes, and the previous layout's global one (drained for one release). */
  private readonly outboxWalk: BucketWalk;
  private readonly expiryWalk: BucketWalk;

  constructor(options: RedisDialogueStoreOptions) {
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
      throw new Error(`RedisDialogueStore: ttlSeconds must be a positive integer, got ${options.ttlSeconds}`);
    }
    this.redis = options.redis;
    this.keys = dialogueKeys(options.keyPrefix, options.indexShards ?? DEFAULT_INDEX_SHARDS);
    this.shardsCheck = new IndexShardsCheck(this.redis, options.keyPrefix, this.keys.shards, 'dialogue store');
    const buckets = Array.from({ length: this.keys.shards }, (_, b) => b);
    this.outboxWalk = new BucketWalk([this.keys.legacy.outboxIndex(), ...buckets.map(this.keys.outboxIndex)]);
    this.expiryWalk = new BucketWalk([this.keys.legacy.expiryIndex(), ...buckets.map(this.keys.expiryIndex)]);
    this.ttlSeconds = options.ttlSeconds;
    this.ownsConnection = options.ownsConnection ?? false;
    // defineCommand sends EVALSHA and falls back to EVAL once per connection; names are ours, so
    // sharing a caller's client with other code is safe.
    for (const [name, numberOfKeys, lua] of SCRIPTS) {
      this.redis.defineCommand(name, { numberOfKeys, lua });
    }
    this.scripts = this.redis as unknown as Scripts;
  }

  /**
   * A store that owns its client (closed by `close`), built by `connectRedis` (fails fast during an
   * outage; in the replicated modes each write waits for a replica, see `afterWrite`).
   */
  static connect(
    target: RedisTarget | string,
    opts: { keyPrefix: string; ttlSeconds: number; indexShards?: number | undefined; commandTimeoutMs?: number },
  ): RedisDialogueStore {
    const redis = connectRedis(target, { commandTimeoutMs: opts.commandTimeoutMs });
    return new RedisDialogueStore({
      redis,
      keyPrefix: opts.keyPrefix,
      ttlSeconds: opts.ttlSeconds,
      indexShards: opts.indexShards,
      ownsConnection: true,
    });
  }

  /**
   * Checks (once) that the data under this prefix was written with this store's bucket count, recording
   * it on first use. Throws `ConfigError` naming REDIS_INDEX_SHARDS on a mismatch, `StoreUnavailable`
   * when Redis does not answer (checked again on the next call). A composition root awaits it at start.
   */
  checkIndexShards(): Promise<void> {
    return this.shardsCheck.ensure();
  }

  /** A new id in the player's bucket: the id itself tells the store where the dialogue's keys live. */
  newDialogueId(playerId: string): string {
    return this.keys.newDialogueId(playerId);
  }

  async create(
    state: DialogueState,
    greeting: Turn,
    events: ParleyEvent[],
    options: { maxActivePerPlayer?: number } = {},
  ): Promise<CreateResult> {
    const k = this.keys;
    if (bucketOfDialogueId(state.id) !== k.bucketOfPlayer(state.playerId)) {
      throw new Error(`dialogue id ${state.id} does not come from newDialogueId(${JSON.stringify(state.playerId)})`);
    }
    const answer = await this.call(() =>
      this.write<[1] | [0] | [-1, number]>('parleyCreate', [
        k.state(state.id),
        k.transcript(state.id),
        k.outbox(state.id),
        k.outboxIndexOf(state.id),
        k.expiryIndexOf(state.id),
        k.playerDialogues(state.playerId),
        String(state.version),
        JSON.stringify(state),
        JSON.stringify(greeting),
        this.keyTtlSeconds(),
        state.id,
        this.ttlSeconds * 1000,
        Math.max(0, options.maxActivePerPlayer ?? 0),
        ...events.map((e) => JSON.stringify(e)),
      ]),
    );
    if (answer[0] === -1) return { ok: false, reason: 'limit', active: answer[1] };
    if (answer[0] !== 1) return { ok: false, reason: 'exists' };
    return { ok: true };
  }

  async claimStart(playerId: string, idempotencyKey: string, claim: StartClaim): Promise<StartClaimResult> {
    const key = this.keys.startClaim(playerId, idempotencyKey);
    const stored = storedStartClaim(claim);
    // SET NX GET (Redis 7): sets and answers null, or answers the holder's value and leaves it as it is.
    const held = await this.call(
      () =>
        this.redis.call('SET', key, JSON.stringify(stored), 'NX', 'GET', 'EX', this.keyTtlSeconds()) as Promise<
          string | null
        >,
    );
    if (held === null) return { claimed: true };
    const holder = decode<StoredStartClaim>(held);
    return { claimed: false, dialogueId: holder.dialogueId, sameRequest: holder.requestHash === stored.requestHash };
  }

  async activeDialogues(playerId: string): Promise<number> {
    return this.call(() => this.scripts.parleyActive(this.keys.playerDialogues(playerId)));
  }

  async listActiveDialogues(
    playerId: string,
    page: { limit: number; after?: string },
  ): Promise<{ dialogues: DialogueState[]; next: string | null }> {
    // The player's set is what the cap counts (written by the create, commit, end and expire scripts); a
    // member whose state is gone is skipped here and pruned by the next count. Dialogues started before the
    // bucketed layout are listed from the previous layout's set while they live (never counted).
    const [members, previous] = await this.call(() =>
      Promise.all([
        this.redis.zrange(this.keys.playerDialogues(playerId), 0, -1),
        this.redis.smembers(this.keys.legacy.playerDialogues(playerId)),
      ]),
    );
    const ids = [...new Set([...members, ...previous])]
      .filter((id) => page.after === undefined || id > page.after)
      .sort();
    const dialogues: DialogueState[] = [];
    let i = 0;
    while (i < ids.length && dialogues.length < page.limit) {
      const batch = ids.slice(i, i + page.limit - dialogues.length);
      i += batch.length;
      const states = await this.call(() => Promise.all(batch.map((id) => this.redis.hget(this.keys.state(id), 's'))));
      for (const json of states) if (json !== null) dialogues.push(decode<DialogueState>(json));
    }
    const more = ids.slice(i).length > 0;
    return { dialogues, next: more && dialogues.length > 0 ? dialogues[dialogues.length - 1]!.id : null };
  }

  async load(dialogueId: string): Promise<DialogueState | null> {
    const json = await this.call(() => this.redis.hget(this.keys.state(dialogueId), 's'));
    return json === null ? null : decode<DialogueState>(json);
  }

  async transcript(dialogueId: string): Promise<Turn[]> {
    const items = await this.call(() => this.redis.lrange(this.keys.transcript(dialogueId), 0, -1));
    return items.map((json) => decode<Turn>(json));
  }

  async lockTurn(
    dialogueId: string,
    messageId: string,
    ttlMs: number,
  ): Promise<{ acquired: true } | { acquired: false; heldBy: string }> {
    const answer = await this.call(() =>
      this.scripts.parleyLockTurn(this.keys.turnLock(dialogueId), messageId, Math.max(1, Math.ceil(ttlMs))),
    );
    return answer[0] === 1 ? { acquired: true } : { acquired: false, heldBy: answer[1] };
  }

  async readTurn(dialogueId: string, messageId: string, lock?: { ttlMs: number }): Promise<TurnRead> {
    const [result, state, locked, heldBy] = await this.call(() =>
      this.scripts.parleyReadTurn(
        this.keys.turnResult(dialogueId, messageId),
        this.keys.state(dialogueId),
        this.keys.turnLock(dialogueId),
        messageId,
        lock ? Math.max(1, Math.ceil(lock.ttlMs)) : '',
      ),
    );
    const read: TurnRead = {
      result: result === null ? null : decode<TurnResult>(result),
      state: state === null ? null : decode<DialogueState>(state),
    };
    if (locked === undefined) return read;
    return { ...read, lock: locked === 1 ? { acquired: true } : { acquired: false, heldBy: heldBy ?? '' } };
  }

  async unlockTurn(dialogueId: string, messageId: string): Promise<void> {
    await this.call(() => this.scripts.parleyUnlockTurn(this.keys.turnLock(dialogueId), messageId));
  }

  async renewTurnLock(dialogueId: string, messageId: string, ttlMs: number): Promise<boolean> {
    const renewed = await this.call(() =>
      this.scripts.parleyRenewTurn(this.keys.turnLock(dialogueId), messageId, Math.max(1, Math.ceil(ttlMs))),
    );
    return renewed === 1;
  }

  async turnResult(dialogueId: string, messageId: string): Promise<TurnResult | null> {
    const json = await this.call(() => this.redis.get(this.keys.turnResult(dialogueId, messageId)));
    return json === null ? null : decode<TurnResult>(json);
  }

  async commitTurn(commit: TurnCommit): Promise<CommitResult> {
    assertVersionAdvances(commit.state.version, commit.expectedVersion);
    const id = commit.state.id;
    const k = this.keys;
    const answer = await this.call(() =>
      this.write<'ok' | 'missing' | 'duplicate' | 'version'>('parleyCommitTurn', [
        k.state(id),
        k.transcript(id),
        k.turnResult(id, commit.messageId),
        k.outbox(id),
        k.outboxIndexOf(id),
        k.expiryIndexOf(id),
        k.playerDialogues(commit.state.playerId),
        k.turnLock(id),
        String(commit.expectedVersion),
        String(commit.state.version),
        JSON.stringify(commit.state),
        JSON.stringify(commit.result),
        this.keyTtlSeconds(),
        id,
        this.ttlSeconds * 1000,
        commit.newTurns.length,
        commit.messageId,
        ...commit.newTurns.map((t) => JSON.stringify(t)),
        ...commit.events.map((e) => JSON.stringify(e)),
      ]),
    );
    return answer === 'ok' ? { ok: true } : { ok: false, reason: answer };
  }

  async end(commit: EndCommit): Promise<CommitResult> {
    const answer = await this.runEnd(commit, false);
    return answer === 'ok' ? { ok: true } : { ok: false, reason: answer === 'active' ? 'version' : answer };
  }

  async expiredDialogues(limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return this.call(async () => {
      const due = await this.expiryWalk.collect(limit, (index, n) => this.scripts.parleyExpired(index, n));
      if (due.length === 0) return [];
      // Ids whose keys are gone (outlived without a sweeper) have nothing left to resolve: they leave the index.
      const present = await Promise.all(due.map(({ id }) => this.redis.exists(this.keys.state(id))));
      const gone = due.filter((_, i) => present[i] === 0);
      await Promise.all(gone.map(({ key, id }) => this.redis.zrem(key, id)));
      return due.filter((_, i) => present[i] === 1).map(({ id }) => id);
    });
  }

  async expire(commit: EndCommit): Promise<ExpireResult> {
    const answer = await this.runEnd(commit, true);
    return answer === 'ok' ? { ok: true } : { ok: false, reason: answer };
  }

  private runEnd(commit: EndCommit, onlyIfExpired: boolean): Promise<'ok' | 'missing' | 'version' | 'active'> {
    const id = commit.dialogueId;
    const k = this.keys;
    return this.call(() =>
      this.write<'ok' | 'missing' | 'version' | 'active'>('parleyEnd', [
        k.state(id),
        k.transcript(id),
        k.turnLock(id),
        k.outcome(id),
        k.outbox(id),
        k.outboxIndexOf(id),
        k.expiryIndexOf(id),
        k.playerDialogues(commit.playerId),
        String(commit.expectedVersion),
        JSON.stringify({ playerId: commit.playerId, outcome: commit.outcome }),
        this.ttlSeconds,
        id,
        onlyIfExpired ? '1' : '0',
        ...commit.events.map((e) => JSON.stringify(e)),
      ]),
    );
  }

  /** Live keys outlive the idle deadline, so they are still there when a sweeper resolves the dialogue. */
  private keyTtlSeconds(): number {
    return this.ttlSeconds + EXPIRY_GRACE_SECONDS;
  }

  async outcome(dialogueId: string): Promise<{ playerId: string; outcome: Outcome } | null> {
    const json = await this.call(() => this.redis.get(this.keys.outcome(dialogueId)));
    return json === null ? null : decode<{ playerId: string; outcome: Outcome }>(json);
  }

  async outboxDialogues(limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    // Random members of each bucket, buckets round-robin: publishers on several pods spread over the backlog.
    return this.call(async () => {
      const found = await this.outboxWalk.collect(limit, (index, n) => this.redis.srandmember(index, n));
      return found.map(({ id }) => id);
    });
  }

  async pendingEvents(dialogueId: string, limit: number): Promise<ParleyEvent[]> {
    if (limit <= 0) return [];
    const items = await this.call(() => this.redis.lrange(this.keys.outbox(dialogueId), 0, limit - 1));
    return items.map((json) => decode<ParleyEvent>(json));
  }

  async ackOutbox(dialogueId: string, eventIds: string[]): Promise<void> {
    await this.call(() =>
      this.scripts.parleyAckOutbox(
        this.keys.outbox(dialogueId),
        this.keys.outboxIndexOf(dialogueId),
        dialogueId,
        ...eventIds,
      ),
    );
  }

  async ping(): Promise<void> {
    await this.call(() => pingRedis(this.redis));
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await closeRedis(this.redis);
  }

  /** A create, commit or end script: acknowledged once the replicas the client's mode asks for have it. */
  private write<T>(
    script: 'parleyCreate' | 'parleyCommitTurn' | 'parleyEnd',
    args: Array<string | number>,
  ): Promise<T> {
    return afterWrite<T>(this.redis, (pipeline) => (pipeline as unknown as Scripts)[script](...args));
  }

  /** The one place a Redis failure becomes a domain error; the bucket count is checked before the first command. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    await this.checkIndexShards();
    return asStoreCall('dialogue store', run);
  }
}

/** Only this adapter writes these keys, from values the domain built; they are not re-validated on read. */
function decode<T>(json: string): T {
  return JSON.parse(json) as T;
}

/** What is kept of a start claim: the dialogue id and the request's sha-256 (hex), as the port says. */
type StoredStartClaim = { dialogueId: string; requestHash: string };
function storedStartClaim(claim: StartClaim): StoredStartClaim {
  return { dialogueId: claim.dialogueId, requestHash: createHash('sha256').update(claim.request).digest('hex') };
}
