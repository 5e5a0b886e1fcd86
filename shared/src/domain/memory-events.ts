import { buildEvent, type MemoryEventData, type ParleyEvent } from './events';
import type { PairChange, PairRecord } from './memory';
import type { EventContext } from './transitions';

/** The subject of every `character.memory` event of a pair. */
export function memorySubject(playerId: string, characterId: string): string {
  return `players/${playerId}/characters/${characterId}`;
}

/**
 * The `character.memory` events of one write that takes the pair to `version`: one `added`, one `changed`
 * (memories changed or the relationship moved), one `forgotten` (ids only), each only when it has something
 * to say. Ids derive from the pair, its new version and the time; the outbox keeps them, so a republished
 * event keeps its id; there is no `sequence` (the subject is not a dialogue).
 */
export function memoryEvents(
  pair: { playerId: string; characterId: string; version: number },
  change: Pick<PairChange, 'added' | 'changed' | 'forgotten' | 'relationshipChanged'> & { pair: PairRecord },
  by: MemoryEventData['by'],
  ctx: EventContext & { dialogueId?: string },
): ParleyEvent[] {
  const base = {
    playerId: pair.playerId,
    characterId: pair.characterId,
    by,
    ...(ctx.dialogueId ? { dialogueId: ctx.dialogueId } : {}),
  };
  const datas: MemoryEventData[] = [];
  if (change.added.length > 0) datas.push({ ...base, change: 'added', memories: change.added });
  if (change.changed.length > 0 || (change.relationshipChanged && change.pair.relationship)) {
    datas.push({
      ...base,
      change: 'changed',
      memories: change.changed,
      ...(change.relationshipChanged && change.pair.relationship ? { relationship: change.pair.relationship } : {}),
    });
  }
  if (change.forgotten.length > 0)
    datas.push({ ...base, change: 'forgotten', memoryIds: change.forgotten.map((f) => f.id) });
  return datas.map((data) => memoryEvent(pair, data, ctx));
}

/** The `forgotten` event of a forget-me: every memory id of the pair and the relationship, no text. */
export function forgetEvent(
  pair: { playerId: string; characterId: string; version: number },
  record: PairRecord,
  ctx: EventContext,
): ParleyEvent {
  return memoryEvent(
    pair,
    {
      playerId: pair.playerId,
      characterId: pair.characterId,
      by: 'player',
      change: 'forgotten',
      memoryIds: record.memories.map((m) => m.id),
      relationshipForgotten: record.relationship !== null,
    },
    ctx,
  );
}

function memoryEvent(
  pair: { playerId: string; characterId: string; version: number },
  data: MemoryEventData,
  ctx: EventContext,
): ParleyEvent {
  return buildEvent({
    // The time keeps ids unique when a forgotten pair starts again at version 1.
    id: `${memorySubject(pair.playerId, pair.characterId)}/v${pair.version}/${data.change}/${ctx.now.getTime()}`,
    type: 'character.memory',
    source: ctx.source,
    subject: memorySubject(pair.playerId, pair.characterId),
    time: ctx.now.toISOString(),
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    data,
  });
}
