import { createHash, randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { z } from 'zod';
import { dialogueKeys } from './dialogue-keys';
import { memoryKeys, playerTag } from './memory-keys';
import { bucketOfDialogueId, bucketOfPlayer, dialogueIdInBucket, MAX_INDEX_SHARDS } from './index-shards';

/** Redis hashes only the text between the first `{` and the next `}`. */
const tag = (key: string) => key.slice(key.indexOf('{') + 1, key.indexOf('}'));

describe('the bucketed key layout', () => {
  it('puts every key of a dialogue, of its player and of its bucket in one cluster slot, under the prefix', () => {
    for (const shards of [1, 64, MAX_INDEX_SHARDS]) {
      const keys = dialogueKeys('parley:', shards);
      const memory = memoryKeys('parley:', shards);
      for (let p = 0; p < 50; p++) {
        const playerId = `player-${p}-${randomUUID()}`;
        const id = keys.newDialogueId(playerId);
        const bucket = keys.bucketOfPlayer(playerId);
        const all = [
          keys.state(id),
          keys.transcript(id),
          keys.turnLock(id),
          keys.turnResult(id, 'm-1'),
          keys.outcome(id),
          keys.outbox(id),
          keys.outboxIndexOf(id),
          keys.expiryIndexOf(id),
          keys.outboxIndex(bucket),
          keys.expiryIndex(bucket),
          keys.playerDialogues(playerId),
          memory.pair(playerId, 'innkeeper-mara'),
          memory.characters(playerId),
          memory.outbox(playerId),
          memory.outboxIndexOf(playerId),
          memory.outboxIndex(bucket),
        ];
        expect(new Set(all.map(tag))).toEqual(new Set([`b:${bucket}`]));
        expect(new Set(all.map((key) => calculateSlot(key))).size).toBe(1);
        for (const key of all) expect(key.startsWith('parley:')).toBe(true);
        expect(keys.outboxIndexOf(id)).toBe(keys.outboxIndex(bucket));
        expect(keys.expiryIndexOf(id)).toBe(keys.expiryIndex(bucket));
        expect(memory.outboxIndexOf(playerId)).toBe(memory.outboxIndex(bucket));
        expect(new Set(all).size).toBe(all.length - 3);
        expect(playerTag(playerId, shards)).toBe(`b:${bucket}`);
      }
    }
  });

  it('spreads players over the buckets: 64 buckets land on many cluster slots, each used', () => {
    const keys = dialogueKeys('parley:', 64);
    const buckets = new Map<number, number>();
    for (let p = 0; p < 6400; p++) {
      const b = keys.bucketOfPlayer(`player-${p}`);
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    expect(buckets.size).toBe(64);
    // A fair hash: no bucket holds more than twice its share.
    expect(Math.max(...buckets.values())).toBeLessThan(200);
    const slots = new Set(Array.from({ length: 64 }, (_, b) => calculateSlot(keys.outboxIndex(b))));
    expect(slots.size).toBe(64);
  });

  it('computes the bucket from the first 8 hex digits of SHA-256(playerId)', () => {
    const first = parseInt(createHash('sha256').update('player-7').digest('hex').slice(0, 8), 16);
    expect(bucketOfPlayer('player-7', 64)).toBe(first % 64);
    expect(bucketOfPlayer('player-7', 1)).toBe(0);
  });

  it('makes dialogue ids that are UUIDv8 (version 8, variant 10) carrying the bucket in their first 16 bits', () => {
    for (const bucket of [0, 1, 17, 255, 256, 4095]) {
      const id = dialogueIdInBucket(bucket);
      expect(z.uuid().safeParse(id).success).toBe(true);
      expect(id[14]).toBe('8');
      expect('89ab').toContain(id[19]);
      expect(parseInt(id.slice(0, 4), 16)).toBe(bucket);
      expect(bucketOfDialogueId(id)).toBe(bucket);
    }
    expect(dialogueIdInBucket(17, new Uint8Array(16).fill(0xff))).toBe('0011ffff-ffff-8fff-bfff-ffffffffffff');
  });

  it('maps an id of the previous layout (UUIDv4) to the previous key names', () => {
    const keys = dialogueKeys('parley:', 64);
    const id = randomUUID();
    expect(bucketOfDialogueId(id)).toBeNull();
    expect(keys.state(id)).toBe(`parley:dialogue:{${id}}:state`);
    expect(keys.transcript(id)).toBe(`parley:dialogue:{${id}}:transcript`);
    expect(keys.turnLock(id)).toBe(`parley:dialogue:{${id}}:lock`);
    expect(keys.turnResult(id, 'm-1')).toBe(`parley:dialogue:{${id}}:result:m-1`);
    expect(keys.outcome(id)).toBe(`parley:dialogue:{${id}}:outcome`);
    expect(keys.outbox(id)).toBe(`parley:dialogue:{${id}}:outbox`);
    expect(keys.outboxIndexOf(id)).toBe('parley:outbox:index');
    expect(keys.expiryIndexOf(id)).toBe('parley:expiry:index');
    expect(keys.legacy.playerDialogues('p1')).toBe('parley:player:p1:dialogues');
  });

  it('refuses a bucket count out of 1..4096 and a prefix with braces', () => {
    for (const shards of [0, -1, 1.5, MAX_INDEX_SHARDS + 1]) expect(() => dialogueKeys('parley:', shards)).toThrow();
    expect(() => dialogueKeys('par{ley}:', 64)).toThrow(/braces/);
  });
});
