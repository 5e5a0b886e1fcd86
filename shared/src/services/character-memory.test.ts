import { loadCharacterCatalog } from '../adapters/file/file-character-catalog';
import { InMemoryMemoryStore } from '../adapters/memory/memory-memory-store';
import { estimateTokens } from '../adapters/ai/prompts';
import { DEFAULT_MEMORY_LIMITS, type DialogueEnding } from '../domain/memory';
import type { MemoryEventData } from '../domain/events';
import { CharacterMemory } from './character-memory';

const mara = loadCharacterCatalog(`${__dirname}/../../../content/characters`).get('innkeeper-mara')!;
let clock = Date.parse('2030-01-01T12:00:00.000Z');
let ids = 0;

function setup(limits = DEFAULT_MEMORY_LIMITS) {
  const store = new InMemoryMemoryStore({ now: () => clock });
  const memory = new CharacterMemory({
    store,
    limits,
    contextTokens: 4096,
    countTokens: estimateTokens,
    source: '/parley/test',
    now: () => new Date(clock),
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  });
  const events = async (playerId: string) =>
    (await store.pendingEvents(playerId, 100)).map((e) => e.data as MemoryEventData);
  return { store, memory, events };
}

const ending = (fields: Partial<DialogueEnding> = {}): DialogueEnding => ({
  playerId: 'player-1',
  characterId: 'innkeeper-mara',
  dialogueId: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
  goalId: 'learn-rumour',
  goalAchieved: false,
  endedBy: 'player',
  opinion: 25,
  endedAt: new Date(clock).toISOString(),
  memories: [{ text: 'They tried to buy me with silver.', importance: 0.6 }],
  ...fields,
});

test('an ending applied twice (a retried end, then the sweeper) counts once and announces what it wrote', async () => {
  const { memory, events } = setup();
  const first = await memory.applyEnding(ending());
  const again = await memory.applyEnding(ending());
  expect(again.relationship).toMatchObject({ opinion: 25, dialogues: 1, goalsLost: 1 });
  expect(again.written.map((m) => m.id)).toEqual(first.written.map((m) => m.id));
  expect((await memory.read('player-1', 'innkeeper-mara')).memories).toHaveLength(1);
  expect((await events('player-1')).filter((e) => e.change === 'added')).toHaveLength(2);
});

test('a dialogue starts from the relationship, and recalls what fits', async () => {
  const { memory } = setup();
  await memory.applyEnding(ending({ opinion: 40 }));
  const start = await memory.startingPoint('player-1', mara, 'Learn the rumour');
  expect(start.opinion).toBe(40);
  expect(start.mood.emotion).toBe('warm');
  expect(start.recall?.relationship).toContain('40/100');
  expect(start.recall?.memories.map((m) => m.text)).toEqual(['They tried to buy me with silver.']);
  expect(await memory.startingPoint('player-2', mara, '')).toMatchObject({
    opinion: mara.opinions.player ?? 0,
    recall: undefined,
    recalledIds: [],
  });
});

test('forget me: relationship and memories go, the events carry ids only', async () => {
  const { memory, events, store } = setup();
  await memory.applyEnding(ending());
  await memory.applyEnding(ending({ characterId: 'captain-bram' }));
  expect(await memory.forget('player-1')).toEqual({ characters: ['captain-bram', 'innkeeper-mara'] });
  expect(await store.characters('player-1')).toEqual([]);
  const forgotten = (await events('player-1')).filter((e) => e.change === 'forgotten');
  expect(forgotten.map((e) => [e.characterId, e.by, e.relationshipForgotten])).toEqual([
    ['captain-bram', 'player', true],
    ['innkeeper-mara', 'player', true],
  ]);
  expect(JSON.stringify(forgotten)).not.toContain('silver');
});

test('MEMORY_TTL_DAYS: an old memory is forgotten on the next write, a pair nobody touched disappears', async () => {
  const { memory, events } = setup({ ...DEFAULT_MEMORY_LIMITS, ttlDays: 30 });
  await memory.applyEnding(ending());
  await memory.applyEnding(ending({ characterId: 'captain-bram' }));
  clock += 20 * 86_400_000;
  await memory.setOpinion('player-1', 'innkeeper-mara', 5);
  clock += 11 * 86_400_000;
  await memory.setOpinion('player-1', 'innkeeper-mara', 6);
  expect(await memory.read('player-1', 'innkeeper-mara')).toMatchObject({ relationship: { opinion: 6 }, memories: [] });
  expect(await memory.read('player-1', 'captain-bram')).toEqual({ relationship: null, memories: [] });
  expect((await events('player-1')).some((e) => e.change === 'forgotten' && e.by === 'limits')).toBe(true);
});
