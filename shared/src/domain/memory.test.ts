import {
  EMPTY_PAIR,
  MemoryFullError,
  addGameMemory,
  applyDialogueEnding,
  enforceCap,
  expireMemories,
  rankMemories,
  recallMemories,
  recallPhrase,
  scriptedMemories,
  startingMood,
  startingOpinion,
  type DialogueEnding,
  type Memory,
  type RememberInput,
} from './memory';

const now = new Date('2030-06-01T12:00:00.000Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
const limits = { maxPerCharacter: 5, ttlDays: 0, opinionDriftPerDay: 0 };
const memory = (id: string, fields: Partial<Memory> = {}): Memory => ({
  id: `g-${id}`,
  text: `memory ${id}`,
  importance: 0.5,
  pinned: false,
  source: 'game',
  createdAt: daysAgo(1),
  lastRecalledAt: null,
  ...fields,
});
let dialogues = 0;
const nextDialogueId = () => `00000000-0000-4000-8000-${String(++dialogues).padStart(12, '0')}`;
const ending = (fields: Partial<DialogueEnding> = {}): DialogueEnding => ({
  playerId: 'player-1',
  characterId: 'innkeeper-mara',
  dialogueId: nextDialogueId(),
  goalId: 'learn-rumour',
  goalAchieved: false,
  endedBy: 'player',
  opinion: 20,
  endedAt: now.toISOString(),
  memories: [{ text: 'They tried to buy me with silver.', importance: 0.6 }],
  ...fields,
});

describe('starting opinion and mood', () => {
  const rel = {
    playerId: 'p',
    characterId: 'c',
    opinion: 40,
    dialogues: 1,
    goalsWon: 0,
    goalsLost: 1,
    lastOutcome: null,
    updatedAt: daysAgo(3),
  };
  it.each([
    ['no relationship: the baseline', null, 0, 10],
    ['no drift: the last opinion', rel, 0, 40],
    ['2 points a day for 3 days toward the baseline', rel, 2, 34],
    ['drift stops at the baseline', rel, 100, 10],
  ])('%s', (_name, relationship, drift, expected) => {
    expect(startingOpinion(relationship, 10, now, drift)).toBe(expected);
  });

  it('leans the mood on the opinion', () => {
    const base = { emotion: 'busy', intensity: 0.4, valence: 0.1 };
    expect(startingMood(base, 10, 10)).toEqual(base);
    expect(startingMood(base, 10, 50)).toMatchObject({ emotion: 'warm', valence: 0.3 });
    expect(startingMood(base, 10, -30)).toMatchObject({ emotion: 'wary', valence: -0.1 });
    expect(startingMood(base, 10, 15).emotion).toBe('busy');
  });
});

describe('ranking and recall', () => {
  const memories = [
    memory('old-important', { importance: 0.9, createdAt: daysAgo(90), text: 'They helped me carry the barrels.' }),
    memory('silver', { importance: 0.5, text: 'They tried to buy me with silver.' }),
    memory('pinned', { importance: 0.1, pinned: true, text: 'The player saved my brother.' }),
    memory('weather', { importance: 0.5, text: 'They complained about the rain.' }),
  ];

  it('puts pinned first, then relevance to the query lifts a memory above an equal one', () => {
    const ranked = rankMemories(memories, 'I offer you silver coins for the key', now).map((m) => m.id);
    expect(ranked[0]).toBe('g-pinned');
    expect(ranked.indexOf('g-silver')).toBeLessThan(ranked.indexOf('g-weather'));
  });

  it('fits the budget, pinned always in, and counts tokens', () => {
    const countTokens = (text: string) => text.split(/\s+/).length;
    const { recalled, tokens } = recallMemories(memories, { query: 'silver', now, budgetTokens: 8, countTokens });
    expect(recalled[0]!.id).toBe('g-pinned');
    expect(tokens).toBeLessThanOrEqual(8 + countTokens('- The player saved my brother.'));
    expect(recalled.length).toBeLessThan(memories.length);
    expect(
      recallMemories(memories, { query: '', now, budgetTokens: 0, countTokens }).recalled.map((m) => m.id),
    ).toEqual(['g-pinned']);
  });
});

describe('cap', () => {
  it('drops the least important unpinned memory, never a pinned one', () => {
    const list = [
      memory('a', { importance: 0.1, pinned: true }),
      memory('b', { importance: 0.2 }),
      memory('c', { importance: 0.8, text: 'different words here' }),
    ];
    const capped = enforceCap(list, 2);
    expect(capped.memories.map((m) => m.id)).toEqual(['g-a', 'g-c']);
    expect(capped.evicted).toEqual([{ id: 'g-b' }]);
  });

  it('merges into a similar memory, which keeps the higher importance', () => {
    const list = [
      memory('a', { importance: 0.3, text: 'They tried to buy me with silver.' }),
      memory('b', { importance: 0.6, text: 'They tried to buy me with gold.' }),
      memory('c', { importance: 0.9, text: 'Other.' }),
    ];
    const capped = enforceCap(list, 2);
    expect(capped.evicted).toEqual([{ id: 'g-a', mergedInto: 'g-b' }]);
  });

  it('keeps only pinned ones when they alone are over the cap', () => {
    expect(enforceCap([memory('a', { pinned: true }), memory('b', { pinned: true })], 1).memories).toHaveLength(2);
  });

  it('refuses a game memory when every slot is pinned', () => {
    const pair = { ...EMPTY_PAIR, memories: [memory('a', { pinned: true, importance: 1 })] };
    const add = () =>
      addGameMemory(
        pair,
        { playerId: 'p', characterId: 'c', id: 'g-new', draft: { text: 'x', importance: 0.5 }, baselineOpinion: 0 },
        { ...limits, maxPerCharacter: 1 },
        now,
      );
    expect(add).toThrow(MemoryFullError);
  });
});

describe('dialogue endings', () => {
  it('set the opinion, count the dialogue and write its memories', () => {
    const first = applyDialogueEnding(EMPTY_PAIR, ending({ opinion: 25, goalAchieved: true }), limits, now);
    expect(first.pair.relationship).toMatchObject({ opinion: 25, dialogues: 1, goalsWon: 1, goalsLost: 0 });
    expect(first.added.map((m) => m.text)).toEqual(['They tried to buy me with silver.']);
  });

  it('converge when the same ending is applied again', () => {
    const e = ending();
    const once = applyDialogueEnding(EMPTY_PAIR, e, limits, now).pair;
    const twice = applyDialogueEnding(once, { ...e, goalAchieved: true, memories: [] }, limits, now);
    expect(twice.pair.relationship).toMatchObject({ dialogues: 1, goalsWon: 1, goalsLost: 0 });
    expect(twice.pair.memories).toEqual([]);
    expect(twice.forgotten.map((f) => f.id)).toEqual([`d-${e.dialogueId}-1`]);
  });

  it('stay within the cap over many dialogues, pinned ones surviving', () => {
    let pair = { ...EMPTY_PAIR, memories: [memory('pinned', { pinned: true, importance: 0 })] };
    for (let i = 0; i < 40; i++) {
      pair = applyDialogueEnding(
        pair,
        ending({
          memories: [
            { text: `Thing ${i} happened.`, importance: (i % 7) / 7 },
            { text: `Other ${i}.`, importance: 0.5 },
          ],
        }),
        limits,
        now,
      ).pair;
      expect(pair.memories.length).toBeLessThanOrEqual(limits.maxPerCharacter);
    }
    expect(pair.memories.some((m) => m.id === 'g-pinned')).toBe(true);
    expect(pair.relationship!.dialogues).toBe(40);
  });
});

it('expires unpinned memories past the TTL only', () => {
  const pair = {
    ...EMPTY_PAIR,
    memories: [
      memory('old', { createdAt: daysAgo(40) }),
      memory('pinned', { createdAt: daysAgo(40), pinned: true }),
      memory('recalled', { createdAt: daysAgo(40), lastRecalledAt: daysAgo(2) }),
    ],
  };
  expect(expireMemories(pair, now, 30).expired).toEqual(['g-old']);
  expect(expireMemories(pair, now, 0).expired).toEqual([]);
});

describe('scripted remember', () => {
  const input: RememberInput = {
    characterName: 'Mara',
    goal: { id: 'learn-rumour', description: 'Learn the rumour about the watchtower' },
    strategies: [{ id: 'bribe', description: 'Offer coin', uses: 2 }],
    goalAchieved: false,
    goalProgress: 0.2,
    opinionDelta: -12,
    endedBy: 'player',
    turnCount: 3,
  };
  it('is deterministic, from the strategies, the goal and the outcome', () => {
    const out = scriptedMemories(input);
    expect(out).toEqual(scriptedMemories(input));
    expect(out.memories.map((m) => m.text)).toEqual([
      'They tried to buy me with silver.',
      'They wanted to learn the rumour about the watchtower; I did not give in.',
      'They left me angry.',
    ]);
  });
  it('writes nothing for a dialogue with no player turn', () => {
    expect(scriptedMemories({ ...input, turnCount: 0 }).memories).toEqual([]);
  });
  it('turns a memory into a greeting phrase', () => {
    expect(recallPhrase('They tried to buy me with silver.')).toBe('Last time you tried to buy me with silver.');
    expect(recallPhrase('The player saved my brother.')).toBe('I remember: The player saved my brother.');
  });
});
