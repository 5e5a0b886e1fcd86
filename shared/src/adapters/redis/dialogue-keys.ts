/**
 * Every Redis key the dialogue store uses, made from one prefix (the prefix ends in its own
 * separator, e.g. `parley:`). Per-dialogue keys carry the hash tag `{<dialogueId>}` so all of one
 * dialogue's keys sit in one Redis Cluster slot and a Lua script may touch them together.
 *
 * The outbox and expiry indexes are the keys shared by all dialogues (no hash tag): scripts that write them
 * need a single Redis (or Sentinel), not a Cluster.
 */
export function dialogueKeys(prefix: string) {
  const dialogue = (dialogueId: string) => `${prefix}dialogue:{${dialogueId}}`;
  return {
    /** Hash: `v` the version (compared in Lua without decoding), `s` the state JSON. */
    state: (dialogueId: string) => `${dialogue(dialogueId)}:state`,
    /** List of turn JSON, oldest first. */
    transcript: (dialogueId: string) => `${dialogue(dialogueId)}:transcript`,
    /** String: the messageId holding the turn lock. */
    turnLock: (dialogueId: string) => `${dialogue(dialogueId)}:lock`,
    /** String: the TurnResult JSON of an applied messageId. */
    turnResult: (dialogueId: string, messageId: string) => `${dialogue(dialogueId)}:result:${messageId}`,
    /** String: `{ playerId, outcome }` JSON of an ended dialogue. */
    outcome: (dialogueId: string) => `${dialogue(dialogueId)}:outcome`,
    /** List of event JSON not yet published, in order. */
    outbox: (dialogueId: string) => `${dialogue(dialogueId)}:outbox`,
    /** Set of dialogue ids whose outbox is not empty. */
    outboxIndex: () => `${prefix}outbox:index`,
    /** Sorted set: live dialogue ids scored by their idle deadline (ms, Redis clock). */
    expiryIndex: () => `${prefix}expiry:index`,
    /**
     * Set: the player's live dialogue ids (the cap on active dialogues). Written by the create, end and
     * expire scripts; a member whose state is gone (keys outlived) is pruned when the player next starts one.
     */
    playerDialogues: (playerId: string) => `${prefix}player:${playerId}:dialogues`,
    /**
     * String: the `StartClaim` JSON of a player's `Idempotency-Key` on a start (one key, written with
     * `SET NX`, so it needs no slot shared with any other key).
     */
    startClaim: (playerId: string, idempotencyKey: string) => `${prefix}player:${playerId}:start-key:${idempotencyKey}`,
    /** Pattern matching every key made from this prefix (for tests and tooling). */
    all: () => `${prefix}*`,
  };
}

export type DialogueKeys = ReturnType<typeof dialogueKeys>;
