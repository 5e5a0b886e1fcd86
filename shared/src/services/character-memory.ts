import type { Character, Goal } from '../domain/character';
import type { DialogueState, Outcome } from '../domain/dialogue';
import { endDialogue, type EventContext } from '../domain/transitions';
import type { AiClient } from '../ports/ai-client';
import type { Recall } from '../domain/ai-tasks';
import { MemoryFull, MemoryNotFound, VersionConflict } from '../domain/errors';
import type { MemoryEventData, ParleyEvent } from '../domain/events';
import {
  MEMORY_PROMPT_SHARE,
  MemoryFullError,
  addGameMemory,
  characterAsMet,
  endingOf,
  rememberInputOf,
  scriptedMemories,
  applyDialogueEnding,
  expireMemories,
  markRecalled,
  patchMemory,
  recallMemories,
  relationshipLine,
  removeMemory,
  setOpinion,
  startingMood,
  startingOpinion,
  type DialogueEnding,
  type Memory,
  type MemoryDraft,
  type MemoryLimits,
  type MemoryPatch,
  type PairChange,
  type PairRecord,
  type Relationship,
} from '../domain/memory';
import { forgetEvent, memoryEvents } from '../domain/memory-events';
import type { MemoryStore } from '../ports/memory-store';

/**
 * A dialogue's ending with what the character keeps of it: the outcome, the memories the remember task
 * proposes for it (with no `ai`, the rules: no AI call, as for idle expiry), written to the pair, and the
 * `dialogue.resolve` event carrying them. Without a memory, the plain ending. The memory is written before
 * the caller ends the dialogue in its store, and writing it is idempotent per dialogue: a crash in between
 * leaves the dialogue live, and its next end or expiry writes the same memory again.
 */
export async function endRemembered(
  deps: { memory?: CharacterMemory | undefined; ai?: Pick<AiClient, 'run'> },
  state: DialogueState,
  input: EndInput,
  goal: Goal,
  ctx: EventContext,
): Promise<{ outcome: Outcome; events: ParleyEvent[] }> {
  const ended = endDialogue(state, input, ctx);
  if (!deps.memory) return ended;
  const remember = rememberInputOf(state, input.character, goal, ended.outcome);
  const memories = deps.ai
    ? await deps.ai
        .run('dialogue.remember', remember, ctx.traceparent ? { traceparent: ctx.traceparent } : {})
        .then((r) => r.output.memories)
        // Ending must not fail because the AI is down: the rules remember too.
        .catch(() => scriptedMemories(remember).memories)
    : scriptedMemories(remember).memories;
  const memory = await deps.memory.applyEnding(endingOf(ended.outcome, memories));
  return endDialogue(state, { ...input, memory }, ctx);
}

type EndInput = Omit<Parameters<typeof endDialogue>[1], 'memory'>;

/** A compare-and-set write that lost this many times in a row gives up (409, retryable). */
const MAX_ATTEMPTS = 8;

export type CharacterMemoryDeps = {
  store: MemoryStore;
  limits: MemoryLimits;
  /** The whole prompt's token budget (AI_CONTEXT_TOKENS); memory gets MEMORY_PROMPT_SHARE of it. */
  contextTokens: number;
  countTokens: (text: string) => number;
  source: string;
  now: () => Date;
  newId: () => string;
  /** Publishes a player's pending `character.memory` events; never rejects. */
  relay?: { flush(playerId: string): Promise<void> };
};

/** What a dialogue starts from: the opinion, the mood leaning on it, and what the character recalls. */
export type StartingPoint = {
  opinion: number;
  mood: Character['baselineMood'];
  recall: Recall | undefined;
  recalledIds: string[];
};

/**
 * The use cases of a character's memory of a player: recall for prompts, the write at a dialogue's end,
 * and the game's and the player's routes. Every write is load -> pure change -> compare-and-set save (with
 * its `character.memory` events), retried when another write got there first.
 */
export class CharacterMemory {
  constructor(private readonly deps: CharacterMemoryDeps) {}

  /** Tokens the recalled memories may use in one prompt. */
  get budgetTokens(): number {
    return Math.floor(this.deps.contextTokens * MEMORY_PROMPT_SHARE);
  }

  /** The relationship and memories of a pair, expired ones left out. */
  async read(
    playerId: string,
    characterId: string,
  ): Promise<{ relationship: Relationship | null; memories: Memory[] }> {
    const pair = expireMemories(
      await this.deps.store.load(playerId, characterId),
      this.deps.now(),
      this.deps.limits.ttlDays,
    ).pair;
    return { relationship: pair.relationship, memories: pair.memories };
  }

  /** Where a new dialogue starts: the relationship's opinion (with drift), a mood leaning on it, the greeting's recall. */
  async startingPoint(playerId: string, character: Character, query: string): Promise<StartingPoint> {
    const now = this.deps.now();
    const { relationship, memories } = await this.read(playerId, character.id);
    const baseline = character.opinions.player ?? 0;
    const opinion = startingOpinion(relationship, baseline, now, this.deps.limits.opinionDriftPerDay);
    const mood = startingMood(character.baselineMood, baseline, opinion);
    const recall = this.recallFrom(relationship, memories, query, now);
    return { opinion, mood, ...recall };
  }

  /** What a turn's prompt recalls, for the goal and the player's line. */
  async recall(
    playerId: string,
    characterId: string,
    query: string,
  ): Promise<{ recall: Recall | undefined; recalledIds: string[] }> {
    const { relationship, memories } = await this.read(playerId, characterId);
    return this.recallFrom(relationship, memories, query, this.deps.now());
  }

  private recallFrom(relationship: Relationship | null, memories: Memory[], query: string, now: Date) {
    const { recalled } = recallMemories(memories, {
      query,
      now,
      budgetTokens: this.budgetTokens,
      countTokens: this.deps.countTokens,
    });
    const line = relationshipLine(relationship);
    if (recalled.length === 0 && !line) return { recall: undefined, recalledIds: [] };
    return {
      recall: { ...(line ? { relationship: line } : {}), memories: recalled.map((m) => ({ id: m.id, text: m.text })) },
      recalledIds: recalled.map((m) => m.id),
    };
  }

  /**
   * Stamp `lastRecalledAt` on memories a prompt used. Best effort: a lost race or a store failure is
   * not worth failing a player's turn over (the next recall stamps them).
   */
  async markRecalled(playerId: string, characterId: string, memoryIds: string[]): Promise<void> {
    if (memoryIds.length === 0) return;
    await this.mutate(playerId, characterId, 'limits', (pair) => ({
      pair: markRecalled(pair, memoryIds, this.deps.now()),
      added: [],
      changed: [],
      forgotten: [],
      relationshipChanged: false,
    })).catch(() => undefined);
  }

  /** Apply a dialogue's ending (idempotent per dialogue); answers what was written and the relationship after. */
  async applyEnding(ending: DialogueEnding): Promise<{ written: Memory[]; relationship: Relationship }> {
    const change = await this.mutate(
      ending.playerId,
      ending.characterId,
      'dialogue',
      (pair) => applyDialogueEnding(pair, ending, this.deps.limits, this.deps.now()),
      ending.dialogueId,
    );
    return { written: change.added, relationship: change.pair.relationship! };
  }

  /** The character as a dialogue with this player starts (opinion and mood from the relationship), for outcomes. */
  async characterAsMet(playerId: string, character: Character): Promise<Character> {
    const { relationship } = await this.read(playerId, character.id);
    const baseline = character.opinions.player ?? 0;
    const opinion = startingOpinion(relationship, baseline, this.deps.now(), this.deps.limits.opinionDriftPerDay);
    return characterAsMet(character, opinion, startingMood(character.baselineMood, baseline, opinion));
  }

  /** The game server adds a memory. Throws MemoryFull (409) when every slot is pinned. */
  async add(playerId: string, character: Character, draft: MemoryDraft): Promise<Memory> {
    const id = `g-${this.deps.newId()}`;
    let memory: Memory | undefined;
    await this.mutate(playerId, character.id, 'game', (pair) => {
      try {
        const change = addGameMemory(
          pair,
          { playerId, characterId: character.id, id, draft, baselineOpinion: character.opinions.player ?? 0 },
          this.deps.limits,
          this.deps.now(),
        );
        memory = change.memory;
        return change;
      } catch (err) {
        if (err instanceof MemoryFullError) throw new MemoryFull(err.message);
        throw err;
      }
    });
    return memory!;
  }

  /** The game server changes a memory. Throws NotFound for an unknown id. */
  async patch(playerId: string, characterId: string, memoryId: string, patch: MemoryPatch): Promise<Memory> {
    let memory: Memory | undefined;
    await this.mutate(playerId, characterId, 'game', (pair) => {
      const change = patchMemory(pair, memoryId, patch);
      if (!change) throw new MemoryNotFound(`no memory ${memoryId}`);
      memory = change.memory;
      return change;
    });
    return memory!;
  }

  /** The game server forgets one memory. Throws NotFound for an unknown id. */
  async remove(playerId: string, characterId: string, memoryId: string): Promise<void> {
    await this.mutate(playerId, characterId, 'game', (pair) => {
      const change = removeMemory(pair, memoryId);
      if (!change) throw new MemoryNotFound(`no memory ${memoryId}`);
      return change;
    });
  }

  /** The game server sets the opinion (e.g. after a quest). */
  async setOpinion(playerId: string, characterId: string, opinion: number): Promise<Relationship> {
    const change = await this.mutate(playerId, characterId, 'game', (pair) =>
      setOpinion(pair, { playerId, characterId, opinion }, this.deps.now()),
    );
    return change.pair.relationship!;
  }

  /** Forget me: the relationship and every memory of these characters (all of the player's when absent). */
  async forget(playerId: string, characterIds?: string[]): Promise<{ characters: string[] }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const ids = characterIds ?? (await this.deps.store.characters(playerId));
      const records = await Promise.all(
        ids.map(async (characterId) => ({ characterId, record: await this.deps.store.load(playerId, characterId) })),
      );
      const kept = records.filter((r) => r.record.version > 0);
      const ctx = { source: this.deps.source, now: this.deps.now() };
      const events = kept.map((r) =>
        forgetEvent({ playerId, characterId: r.characterId, version: r.record.version + 1 }, r.record, ctx),
      );
      const result = await this.deps.store.forget({
        playerId,
        pairs: kept.map((r) => ({ characterId: r.characterId, expectedVersion: r.record.version })),
        everything: characterIds === undefined,
        events,
      });
      if (result.ok) {
        await this.deps.relay?.flush(playerId);
        return { characters: kept.map((r) => r.characterId) };
      }
    }
    throw new VersionConflict('the memory changed while being forgotten; try again');
  }

  /** load -> expire -> change -> save, with its events; retried on a lost compare-and-set. */
  private async mutate(
    playerId: string,
    characterId: string,
    by: MemoryEventData['by'],
    change: (pair: PairRecord) => PairChange,
    dialogueId?: string,
  ): Promise<PairChange> {
    const { store, limits } = this.deps;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.deps.now();
      const loaded = await store.load(playerId, characterId);
      const expired = expireMemories(loaded, now, limits.ttlDays);
      const changed = change(expired.pair);
      const version = loaded.version + 1;
      const ctx = { source: this.deps.source, now, ...(dialogueId ? { dialogueId } : {}) };
      const events: ParleyEvent[] = [
        ...memoryEvents({ playerId, characterId, version }, changed, by, ctx),
        ...(expired.expired.length > 0
          ? memoryEvents(
              { playerId, characterId, version },
              {
                ...changed,
                added: [],
                changed: [],
                relationshipChanged: false,
                forgotten: expired.expired.map((id) => ({ id })),
              },
              'limits',
              {
                ...ctx,
                now: new Date(now.getTime() + 1),
              },
            )
          : []),
      ];
      const saved = await store.save({
        playerId,
        characterId,
        expectedVersion: loaded.version,
        record: changed.pair,
        events,
        ...(limits.ttlDays > 0 ? { ttlSeconds: limits.ttlDays * 86_400 } : {}),
      });
      if (saved.ok) {
        if (events.length > 0) await this.deps.relay?.flush(playerId);
        return changed;
      }
    }
    throw new VersionConflict('the memory changed meanwhile; try again');
  }
}
