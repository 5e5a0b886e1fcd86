import MiniSearch from 'minisearch';
import { z } from 'zod';
import { OpinionValueSchema, SlugSchema, type Character, type Goal, type Mood } from './character';
import { DialogueIdSchema, IsoTimeSchema, PlayerIdSchema, type DialogueState, type Outcome } from './dialogue';

/*
 * What a character keeps about one player, between dialogues: a relationship (its opinion of the player
 * and their history together) and a bounded set of short memories. Everything here is pure: the clock,
 * the limits and the token counter are passed in.
 */

/** Memories kept per player x character unless configured (MEMORY_MAX_PER_CHARACTER). */
export const DEFAULT_MEMORY_MAX_PER_CHARACTER = 50;
/** Share of the prompt's token budget (AI_CONTEXT_TOKENS) that recalled memories may take. */
export const MEMORY_PROMPT_SHARE = 0.15;
/** The prompt budget memory's share is taken of while AI_CONTEXT_TOKENS is unset. */
export const DEFAULT_MEMORY_CONTEXT_TOKENS = 4096;
/** Memories one dialogue's end may write. */
export const MAX_MEMORIES_PER_DIALOGUE = 3;
/** How many past endings a relationship remembers by id, so applying one ending twice changes nothing. */
const ENDINGS_KEPT = 32;
/** Recency halves every this many days. */
const RECENCY_HALF_LIFE_DAYS = 14;
const DAY_MS = 86_400_000;

/** Memory ids: `d-<dialogueId>-<n>` for those a dialogue wrote (stable across retries), `g-<uuid>` for the game's. */
export const MemoryIdSchema = z
  .string()
  .min(3)
  .max(80)
  .regex(/^[dg]-[A-Za-z0-9-]+$/, 'd-... or g-...');
export const MemoryTextSchema = z.string().trim().min(1).max(280);
export const ImportanceSchema = z.number().min(0).max(1);

export const MemorySchema = z.strictObject({
  id: MemoryIdSchema,
  /** A short first-person fact the character keeps about the player. */
  text: MemoryTextSchema,
  importance: ImportanceSchema,
  /** Pinned memories are never evicted, expired or left out of a prompt. */
  pinned: z.boolean(),
  source: z.enum(['dialogue', 'game']),
  dialogueId: DialogueIdSchema.optional(),
  createdAt: IsoTimeSchema,
  /** Null until a prompt first recalls it. */
  lastRecalledAt: IsoTimeSchema.nullable(),
});
export type Memory = z.infer<typeof MemorySchema>;

export const LastOutcomeSchema = z.strictObject({
  dialogueId: DialogueIdSchema,
  goalId: SlugSchema,
  goalAchieved: z.boolean(),
  endedBy: z.string().min(1).max(32),
  endedAt: IsoTimeSchema,
});

export const RelationshipSchema = z.strictObject({
  playerId: PlayerIdSchema,
  characterId: SlugSchema,
  /** The character's opinion of the player, -100..100, as the last dialogue (or the game) left it. */
  opinion: OpinionValueSchema,
  dialogues: z.number().int().min(0),
  goalsWon: z.number().int().min(0),
  goalsLost: z.number().int().min(0),
  lastOutcome: LastOutcomeSchema.nullable(),
  updatedAt: IsoTimeSchema,
});
export type Relationship = z.infer<typeof RelationshipSchema>;

/** One ending applied to the pair, kept so a second application of it replaces instead of adding. */
const EndingSchema = z.strictObject({ dialogueId: DialogueIdSchema, goalAchieved: z.boolean() });

/**
 * Everything kept for one player x character, as the store holds it. `version` grows by one on every
 * write (the store's compare-and-set); 0 means nothing is kept.
 */
export const PairRecordSchema = z.strictObject({
  version: z.number().int().min(0),
  relationship: RelationshipSchema.nullable(),
  memories: z.array(MemorySchema),
  endings: z.array(EndingSchema).max(ENDINGS_KEPT),
});
export type PairRecord = z.infer<typeof PairRecordSchema>;

export const EMPTY_PAIR: PairRecord = Object.freeze({
  version: 0,
  relationship: null,
  memories: [],
  endings: [],
}) as PairRecord;

/** A memory before it is stored: what the remember task or the game proposes. */
export const MemoryDraftSchema = z.strictObject({
  text: MemoryTextSchema,
  importance: ImportanceSchema,
  pinned: z.boolean().optional(),
});
export type MemoryDraft = z.infer<typeof MemoryDraftSchema>;

export const MemoryPatchSchema = z
  .strictObject({
    text: MemoryTextSchema.optional(),
    importance: ImportanceSchema.optional(),
    pinned: z.boolean().optional(),
  })
  .refine(
    (p) => p.text !== undefined || p.importance !== undefined || p.pinned !== undefined,
    'give text, importance or pinned',
  );
export type MemoryPatch = z.infer<typeof MemoryPatchSchema>;

/**
 * Limits from configuration. `maxPerCharacter`: MEMORY_MAX_PER_CHARACTER; `ttlDays`: MEMORY_TTL_DAYS (0 = memories
 * never expire); `opinionDriftPerDay`: MEMORY_OPINION_DRIFT_PER_DAY, opinion points per day back toward the
 * character's baseline (0 = off).
 */
export type MemoryLimits = { maxPerCharacter: number; ttlDays: number; opinionDriftPerDay: number };
export const DEFAULT_MEMORY_LIMITS: MemoryLimits = {
  maxPerCharacter: DEFAULT_MEMORY_MAX_PER_CHARACTER,
  ttlDays: 0,
  opinionDriftPerDay: 0,
};

/** Thrown when a memory cannot be kept: every slot holds a pinned memory. */
export class MemoryFullError extends Error {}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const round = (value: number, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

// ---------------------------------------------------------------- relationship at the start of a dialogue

/**
 * The opinion a new dialogue starts from: the relationship's, drifted back toward the catalog's
 * `baseline` by `driftPerDay` points per whole day since it was last written; the baseline when there
 * is no relationship.
 */
export function startingOpinion(
  relationship: Relationship | null,
  baseline: number,
  now: Date,
  driftPerDay: number,
): number {
  if (!relationship) return baseline;
  const days = Math.max(0, Math.floor((now.getTime() - Date.parse(relationship.updatedAt)) / DAY_MS));
  const drift = Math.min(Math.abs(relationship.opinion - baseline), driftPerDay * days);
  return round(relationship.opinion + Math.sign(baseline - relationship.opinion) * drift, 1);
}

/**
 * The starting mood leans on the opinion: each 100 points above (below) the baseline opinion moves the
 * valence by +0.5 (-0.5); a lean of 20 points or more names the emotion (`warm` / `wary`).
 */
export function startingMood(baselineMood: Mood, baselineOpinion: number, opinion: number): Mood {
  const lean = opinion - baselineOpinion;
  if (lean === 0) return baselineMood;
  const valence = round(clamp(baselineMood.valence + lean / 200, -1, 1));
  const emotion = lean >= 20 ? 'warm' : lean <= -20 ? 'wary' : baselineMood.emotion;
  const intensity = round(clamp(baselineMood.intensity + Math.abs(lean) / 400, 0, 1));
  return { emotion, intensity, valence };
}

/** The character as a dialogue with this player starts: the catalog's, with this opinion of the player and mood. */
export function characterAsMet(character: Character, opinion: number, mood: Mood): Character {
  return { ...character, baselineMood: mood, opinions: { ...character.opinions, player: opinion } };
}

/** The relationship in one prompt line, e.g. "Opinion of the player: 35/100 after 2 dialogues (1 goal won, 1 lost)." */
export function relationshipLine(relationship: Relationship | null): string | undefined {
  if (!relationship || relationship.dialogues === 0) return undefined;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return (
    `Opinion of the player: ${relationship.opinion}/100 after ${plural(relationship.dialogues, 'dialogue')}` +
    ` (${plural(relationship.goalsWon, 'goal')} won, ${relationship.goalsLost} lost).`
  );
}

// ---------------------------------------------------------------- ranking and recall

/**
 * Lexical relevance of each memory to a query, 0..1 (1 = the best match among them). BM25 over the
 * memories' words with prefix and light fuzzy matching, so "bribed" finds "bribe".
 */
export function lexicalRelevance(memories: readonly Memory[], query: string): Map<string, number> {
  const relevance = new Map<string, number>();
  if (memories.length === 0 || query.trim() === '') return relevance;
  const index = new MiniSearch<Memory>({ fields: ['text'], storeFields: [] });
  index.addAll(memories);
  const hits = index.search(query, {
    prefix: (term) => term.length >= 4,
    fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
    combineWith: 'OR',
  });
  const best = hits[0]?.score ?? 0;
  for (const hit of hits) relevance.set(String(hit.id), best > 0 ? hit.score / best : 0);
  return relevance;
}

/** Recency 0..1 of the later of creation and last recall: halves every 14 days. */
export function recency(memory: Memory, now: Date): number {
  const last = Math.max(Date.parse(memory.createdAt), memory.lastRecalledAt ? Date.parse(memory.lastRecalledAt) : 0);
  const ageDays = Math.max(0, (now.getTime() - last) / DAY_MS);
  return 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS);
}

/**
 * Memories best first for a query (the goal and the player's line): pinned ones first, then by
 * 0.5 x importance + 0.2 x recency + 0.3 x lexical relevance; ties by newer, then id.
 */
export function rankMemories(memories: readonly Memory[], query: string, now: Date): Memory[] {
  const relevance = lexicalRelevance(memories, query);
  const score = (m: Memory) => 0.5 * m.importance + 0.2 * recency(m, now) + 0.3 * (relevance.get(m.id) ?? 0);
  const scored = memories.map((m) => ({ m, s: score(m) }));
  scored.sort(
    (a, b) =>
      Number(b.m.pinned) - Number(a.m.pinned) ||
      b.s - a.s ||
      b.m.createdAt.localeCompare(a.m.createdAt) ||
      a.m.id.localeCompare(b.m.id),
  );
  return scored.map((x) => x.m);
}

/** The text a prompt shows for one recalled memory (one line). */
export function memoryPromptLine(memory: Memory): string {
  return `- ${memory.text}`;
}

/**
 * The memories a prompt recalls: ranked for the query, then taken in order while their lines fit
 * `budgetTokens` (counted with `countTokens`). Pinned memories always go in, even past the budget
 * (a game that pins more than the budget holds chose to). Answers the memories in prompt order and the
 * tokens their lines use.
 */
export function recallMemories(
  memories: readonly Memory[],
  input: { query: string; now: Date; budgetTokens: number; countTokens: (text: string) => number },
): { recalled: Memory[]; tokens: number } {
  const recalled: Memory[] = [];
  let tokens = 0;
  for (const memory of rankMemories(memories, input.query, input.now)) {
    const cost = input.countTokens(memoryPromptLine(memory));
    if (!memory.pinned && tokens + cost > input.budgetTokens) continue;
    recalled.push(memory);
    tokens += cost;
  }
  return { recalled, tokens };
}

/** Marks memories as recalled now. */
export function markRecalled(pair: PairRecord, memoryIds: readonly string[], now: Date): PairRecord {
  const ids = new Set(memoryIds);
  const at = now.toISOString();
  return { ...pair, memories: pair.memories.map((m) => (ids.has(m.id) ? { ...m, lastRecalledAt: at } : m)) };
}

// ---------------------------------------------------------------- cap and expiry

/** What a write did to the stored memories besides its own change. */
export type Eviction = { id: string; mergedInto?: string };

function words(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9']+/)
      .filter((w) => w.length > 2),
  );
}

function overlap(a: string, b: string): number {
  const x = words(a);
  const y = words(b);
  if (x.size === 0 || y.size === 0) return 0;
  let shared = 0;
  for (const w of x) if (y.has(w)) shared++;
  return shared / Math.min(x.size, y.size);
}

/**
 * Keep at most `max` memories. While over, the least important unpinned memory (ties: least recently
 * created or recalled, then id) leaves: merged into the most similar other unpinned memory when they
 * share at least half their words (the survivor keeps the higher importance), else dropped. Pinned
 * memories never leave; when only pinned ones are over the cap nothing more is removed.
 */
export function enforceCap(memories: readonly Memory[], max: number): { memories: Memory[]; evicted: Eviction[] } {
  let kept = [...memories];
  const evicted: Eviction[] = [];
  const lastUse = (m: Memory) => Math.max(Date.parse(m.createdAt), m.lastRecalledAt ? Date.parse(m.lastRecalledAt) : 0);
  while (kept.length > max) {
    const victim = kept
      .filter((m) => !m.pinned)
      .sort((a, b) => a.importance - b.importance || lastUse(a) - lastUse(b) || a.id.localeCompare(b.id))[0];
    if (!victim) break;
    kept = kept.filter((m) => m.id !== victim.id);
    const twin = kept
      .filter((m) => !m.pinned && overlap(m.text, victim.text) >= 0.5)
      .sort((a, b) => overlap(b.text, victim.text) - overlap(a.text, victim.text) || a.id.localeCompare(b.id))[0];
    if (twin) {
      kept = kept.map((m) => (m.id === twin.id ? { ...m, importance: Math.max(m.importance, victim.importance) } : m));
      evicted.push({ id: victim.id, mergedInto: twin.id });
    } else {
      evicted.push({ id: victim.id });
    }
  }
  return { memories: kept, evicted };
}

/** Unpinned memories neither created nor recalled within `ttlDays` (0 = no expiry) are forgotten. */
export function expireMemories(pair: PairRecord, now: Date, ttlDays: number): { pair: PairRecord; expired: string[] } {
  if (ttlDays <= 0) return { pair, expired: [] };
  const cutoff = now.getTime() - ttlDays * DAY_MS;
  const expired = pair.memories.filter((m) => !m.pinned && recencyTime(m) < cutoff).map((m) => m.id);
  if (expired.length === 0) return { pair, expired };
  const gone = new Set(expired);
  return { pair: { ...pair, memories: pair.memories.filter((m) => !gone.has(m.id)) }, expired };
}

function recencyTime(m: Memory): number {
  return Math.max(Date.parse(m.createdAt), m.lastRecalledAt ? Date.parse(m.lastRecalledAt) : 0);
}

// ---------------------------------------------------------------- writes

/** The change one write made, for events and answers. */
export type PairChange = {
  pair: PairRecord;
  added: Memory[];
  changed: Memory[];
  forgotten: Eviction[];
  relationshipChanged: boolean;
};

function newRelationship(playerId: string, characterId: string, opinion: number, now: Date): Relationship {
  return {
    playerId,
    characterId,
    opinion,
    dialogues: 0,
    goalsWon: 0,
    goalsLost: 0,
    lastOutcome: null,
    updatedAt: now.toISOString(),
  };
}

/** The ending of one dialogue, as the pair keeps it. */
export type DialogueEnding = {
  playerId: string;
  characterId: string;
  dialogueId: string;
  goalId: string;
  goalAchieved: boolean;
  endedBy: string;
  /** The opinion the dialogue ended with. */
  opinion: number;
  endedAt: string;
  /** At most MAX_MEMORIES_PER_DIALOGUE are kept, in order. */
  memories: MemoryDraft[];
};

/**
 * Apply a dialogue's ending: the relationship takes its opinion and counts it, and its memories are
 * added (ids `d-<dialogueId>-<n>`), then the cap is enforced. Applying the same dialogue again replaces
 * what the first application wrote (its memories and its count), so a retried or repeated ending
 * converges instead of adding twice.
 */
export function applyDialogueEnding(
  pair: PairRecord,
  ending: DialogueEnding,
  limits: MemoryLimits,
  now: Date,
): PairChange {
  const previous = pair.endings.find((e) => e.dialogueId === ending.dialogueId);
  const base = pair.relationship ?? newRelationship(ending.playerId, ending.characterId, ending.opinion, now);
  const relationship: Relationship = {
    ...base,
    opinion: round(clamp(ending.opinion, -100, 100), 1),
    dialogues: base.dialogues + (previous ? 0 : 1),
    goalsWon: base.goalsWon - (previous?.goalAchieved ? 1 : 0) + (ending.goalAchieved ? 1 : 0),
    goalsLost: base.goalsLost - (previous && !previous.goalAchieved ? 1 : 0) + (ending.goalAchieved ? 0 : 1),
    lastOutcome: {
      dialogueId: ending.dialogueId,
      goalId: ending.goalId,
      goalAchieved: ending.goalAchieved,
      endedBy: ending.endedBy,
      endedAt: ending.endedAt,
    },
    updatedAt: now.toISOString(),
  };
  const replaced = pair.memories.filter((m) => m.source === 'dialogue' && m.dialogueId === ending.dialogueId);
  const others = pair.memories.filter((m) => !(m.source === 'dialogue' && m.dialogueId === ending.dialogueId));
  const written: Memory[] = ending.memories.slice(0, MAX_MEMORIES_PER_DIALOGUE).map((draft, i) => ({
    id: `d-${ending.dialogueId}-${i + 1}`,
    text: draft.text.trim(),
    importance: round(clamp(draft.importance, 0, 1)),
    pinned: false,
    source: 'dialogue',
    dialogueId: ending.dialogueId,
    createdAt: ending.endedAt,
    lastRecalledAt: null,
  }));
  const capped = enforceCap([...others, ...written], limits.maxPerCharacter);
  const keptIds = new Set(capped.memories.map((m) => m.id));
  const writtenIds = new Set(written.map((m) => m.id));
  const endings = [
    ...pair.endings.filter((e) => e.dialogueId !== ending.dialogueId),
    { dialogueId: ending.dialogueId, goalAchieved: ending.goalAchieved },
  ].slice(-ENDINGS_KEPT);
  const dropped = replaced.filter((m) => !writtenIds.has(m.id)).map((m) => ({ id: m.id }));
  return {
    pair: { version: pair.version, relationship, memories: capped.memories, endings },
    added: written.filter((m) => keptIds.has(m.id)),
    changed: [],
    forgotten: [...dropped, ...capped.evicted.filter((e) => !writtenIds.has(e.id))],
    relationshipChanged: true,
  };
}

/**
 * Add a memory the game server wrote (`source: "game"`). Throws MemoryFullError when every slot holds
 * a pinned memory and the new one would have to leave at once.
 */
export function addGameMemory(
  pair: PairRecord,
  input: { playerId: string; characterId: string; id: string; draft: MemoryDraft; baselineOpinion: number },
  limits: MemoryLimits,
  now: Date,
): PairChange & { memory: Memory } {
  const memory: Memory = {
    id: input.id,
    text: input.draft.text.trim(),
    importance: round(input.draft.importance),
    pinned: input.draft.pinned ?? false,
    source: 'game',
    createdAt: now.toISOString(),
    lastRecalledAt: null,
  };
  const capped = enforceCap([...pair.memories, memory], limits.maxPerCharacter);
  if (!capped.memories.some((m) => m.id === memory.id) || capped.memories.length > limits.maxPerCharacter) {
    throw new MemoryFullError(
      `this character already keeps ${limits.maxPerCharacter} memories of this player and they are pinned or more important`,
    );
  }
  const relationship =
    pair.relationship ?? newRelationship(input.playerId, input.characterId, input.baselineOpinion, now);
  return {
    pair: { ...pair, relationship, memories: capped.memories },
    memory,
    added: [memory],
    changed: [],
    forgotten: capped.evicted,
    relationshipChanged: pair.relationship === null,
  };
}

/** Change a memory's text, importance or pinned flag; null when the pair holds no such memory. */
export function patchMemory(
  pair: PairRecord,
  memoryId: string,
  patch: MemoryPatch,
): (PairChange & { memory: Memory }) | null {
  const current = pair.memories.find((m) => m.id === memoryId);
  if (!current) return null;
  const memory: Memory = {
    ...current,
    ...(patch.text !== undefined ? { text: patch.text.trim() } : {}),
    ...(patch.importance !== undefined ? { importance: round(patch.importance) } : {}),
    ...(patch.pinned !== undefined ? { pinned: patch.pinned } : {}),
  };
  return {
    pair: { ...pair, memories: pair.memories.map((m) => (m.id === memoryId ? memory : m)) },
    memory,
    added: [],
    changed: [memory],
    forgotten: [],
    relationshipChanged: false,
  };
}

/** Forget one memory; null when the pair holds no such memory. */
export function removeMemory(pair: PairRecord, memoryId: string): PairChange | null {
  if (!pair.memories.some((m) => m.id === memoryId)) return null;
  return {
    pair: { ...pair, memories: pair.memories.filter((m) => m.id !== memoryId) },
    added: [],
    changed: [],
    forgotten: [{ id: memoryId }],
    relationshipChanged: false,
  };
}

/** Set the character's opinion of the player (the game's word, e.g. after a quest). */
export function setOpinion(
  pair: PairRecord,
  input: { playerId: string; characterId: string; opinion: number },
  now: Date,
): PairChange {
  const base = pair.relationship ?? newRelationship(input.playerId, input.characterId, input.opinion, now);
  const relationship = { ...base, opinion: round(clamp(input.opinion, -100, 100), 1), updatedAt: now.toISOString() };
  return { pair: { ...pair, relationship }, added: [], changed: [], forgotten: [], relationshipChanged: true };
}

// ---------------------------------------------------------------- the scripted remember task

/** What the `dialogue.remember` task reads: how the dialogue went, never its transcript. */
export const RememberInputSchema = z.strictObject({
  dialogueId: z.string().max(64).optional(),
  characterName: z.string().min(1).max(128),
  goal: z.strictObject({ id: SlugSchema, description: z.string().max(500) }),
  /** Strategies the player used, most used first. */
  strategies: z
    .array(z.strictObject({ id: SlugSchema, description: z.string().max(500), uses: z.number().int().min(1) }))
    .max(16),
  goalAchieved: z.boolean(),
  goalProgress: z.number().min(0).max(1),
  opinionDelta: z.number().min(-200).max(200),
  endedBy: z.string().min(1).max(32),
  turnCount: z.number().int().min(0),
  summary: z.string().max(2000).optional(),
});
export type RememberInput = z.infer<typeof RememberInputSchema>;
export const RememberOutputSchema = z.strictObject({
  memories: z.array(MemoryDraftSchema.omit({ pinned: true })).max(MAX_MEMORIES_PER_DIALOGUE),
});
export type RememberOutput = z.infer<typeof RememberOutputSchema>;

/**
 * The remember task's input for an ended dialogue: the strategies its player turns used (most used first,
 * the dialogue's own strategy when no turn names one) and how it ended. `opinionDelta` is the change over
 * this dialogue (the outcome's, measured from where the dialogue started).
 */
export function rememberInputOf(
  state: DialogueState,
  character: Character,
  goal: Goal,
  outcome: Outcome,
): RememberInput {
  const uses = new Map<string, number>();
  // The outcome's tallies count every turn; dialogues from before them count the recent window.
  for (const [id, tally] of Object.entries(outcome.strategies)) if (tally.turns > 0) uses.set(id, tally.turns);
  if (uses.size === 0) {
    for (const turn of state.recentTurns)
      if (turn.speaker === 'player' && turn.strategyId) uses.set(turn.strategyId, (uses.get(turn.strategyId) ?? 0) + 1);
  }
  if (uses.size === 0 && state.turnCount > 0) uses.set(state.strategyId, state.turnCount);
  const strategies = [...uses]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([id, count]) => ({
      id,
      description: goal.strategies.find((s) => s.id === id)?.description ?? id,
      uses: count,
    }));
  return {
    dialogueId: state.id,
    characterName: character.name,
    goal: { id: goal.id, description: goal.description },
    strategies: strategies.slice(0, 16),
    goalAchieved: outcome.goalAchieved,
    goalProgress: outcome.goalProgress,
    opinionDelta: outcome.opinionChange.delta,
    endedBy: outcome.endedBy,
    turnCount: outcome.turnCount,
    summary: outcome.summary.slice(0, 2000),
  };
}

/** The ending a pair keeps of an outcome, with the memories the remember task proposed. */
export function endingOf(outcome: Outcome, memories: MemoryDraft[]): DialogueEnding {
  return {
    playerId: outcome.playerId,
    characterId: outcome.characterId,
    dialogueId: outcome.dialogueId,
    goalId: outcome.goalId,
    goalAchieved: outcome.goalAchieved,
    endedBy: outcome.endedBy,
    opinion: outcome.opinionChange.to,
    endedAt: outcome.endedAt,
    memories,
  };
}

/** How a character words each common strategy in memory; others use the strategy's description. */
const STRATEGY_MEMORIES: Record<string, string> = {
  bribe: 'They tried to buy me with silver.',
  flatter: 'They tried to win me over with flattery.',
  intimidate: 'They tried to frighten me.',
  persuade: 'They tried to talk me round with arguments.',
  empathize: 'They listened to me and shared their own fears.',
  deceive: 'They tried to deceive me.',
};

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
const trimStop = (text: string) => text.replace(/[.!?\s]+$/, '');

/**
 * The rule-based memories of a dialogue (the scripted provider's answer and the fallback, also used at idle
 * expiry): deterministic from the strategies used, the goal and the outcome. A dialogue with no player turn
 * leaves nothing; otherwise one memory of how the player went about it, one of how it ended, and one of how
 * the opinion moved when it moved by 10 points or more.
 */
export function scriptedMemories(input: RememberInput): RememberOutput {
  if (input.turnCount === 0) return { memories: [] };
  const memories: RememberOutput['memories'] = [];
  const weight = Math.min(0.3, Math.abs(input.opinionDelta) / 100);
  const main = input.strategies[0];
  if (main) {
    const text = STRATEGY_MEMORIES[main.id] ?? `They tried this on me: ${lowerFirst(trimStop(main.description))}.`;
    memories.push({ text, importance: round(clamp(0.4 + weight + (main.uses > 1 ? 0.1 : 0), 0, 1)) });
  }
  const goal = lowerFirst(trimStop(input.goal.description));
  const ending = input.goalAchieved
    ? `They wanted to ${goal}, and I let them.`
    : input.endedBy === 'timeout'
      ? `They wanted to ${goal}, then walked off without a word.`
      : input.endedBy === 'character'
        ? `They wanted to ${goal}; I sent them away.`
        : `They wanted to ${goal}; I did not give in.`;
  memories.push({ text: ending, importance: round(clamp(0.45 + weight + (input.goalAchieved ? 0.1 : 0), 0, 1)) });
  if (input.opinionDelta >= 10)
    memories.push({ text: 'I came to like them.', importance: round(clamp(0.3 + weight, 0, 1)) });
  else if (input.opinionDelta <= -10)
    memories.push({ text: 'They left me angry.', importance: round(clamp(0.3 + weight, 0, 1)) });
  return { memories };
}

/**
 * How a greeting refers to a recalled memory: a memory that starts "They ..." becomes "Last time you ...";
 * any other is quoted as what the character remembers.
 */
export function recallPhrase(text: string): string {
  const match = /^They\s+(.*)$/.exec(text.trim());
  if (match?.[1]) return `Last time you ${match[1].replace(/\btheir\b/g, 'your').replace(/\bthem\b/g, 'you')}`;
  return `I remember: ${text.trim()}`;
}
