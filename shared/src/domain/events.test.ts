import type { Outcome, Participant, Turn } from './dialogue';
import {
  EVENT_DATA_SCHEMAS,
  EVENT_TYPES,
  ParleyEventSchema,
  buildEvent,
  dialogueEventId,
  eventSource,
  formatSequence,
  readSequence,
  type EventData,
  type EventType,
} from './events';

const DIALOGUE_ID = '3f1c2b7e-8a4d-4c1e-9b2a-5d6e7f809a1b';
const TIME = '2030-05-01T10:00:00.000Z';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const player: Participant = {
  id: 'player-7',
  mood: { emotion: 'neutral', intensity: 0, valence: 0 },
  opinions: {},
  traits: {},
};
const smith: Participant = {
  id: 'smith-odo',
  mood: { emotion: 'gruff', intensity: 0.4, valence: -0.2 },
  opinions: { player: 20 },
  traits: { honesty: 0.6 },
};
const greeting: Turn = { seq: 0, speaker: 'character', text: 'Forge is hot.', at: TIME };
const playerTurn: Turn = {
  seq: 1,
  speaker: 'player',
  text: 'Fair price?',
  strategyId: 'persuade',
  optionId: 'opt-1',
  at: TIME,
};
const characterTurn: Turn = { seq: 1, speaker: 'character', text: 'Fair enough.', at: TIME };
const outcome: Outcome = {
  dialogueId: DIALOGUE_ID,
  playerId: 'player-7',
  characterId: 'smith-odo',
  goalId: 'buy-sword',
  strategyId: 'persuade',
  goalAchieved: false,
  goalLost: false,
  goalProgress: 0.4,
  turnCount: 1,
  strategies: { persuade: { turns: 1, progress: 0.4, opinion: 5 } },
  durationMs: 60_000,
  moodChange: { from: smith.mood, to: { emotion: 'amused', intensity: 0.5, valence: 0.3 }, valenceDelta: 0.5 },
  opinionChange: { from: 20, to: 25, delta: 5 },
  summary: 'They haggled.',
  endedBy: 'player',
  endedAt: TIME,
};

// One realistic payload per event type; the `satisfies` keeps the table in step with EVENT_TYPES.
const dataByType = {
  'dialogue.initiate': {
    dialogueId: DIALOGUE_ID,
    playerId: 'player-7',
    characterId: 'smith-odo',
    goalId: 'buy-sword',
    strategyId: 'persuade',
    participants: { player, character: smith },
    greeting,
  },
  'dialogue.progress': {
    dialogueId: DIALOGUE_ID,
    characterId: 'smith-odo',
    seq: 1,
    strategyId: 'persuade',
    playerTurn,
    characterTurn,
    changes: {
      mood: { before: smith.mood, after: { emotion: 'amused', intensity: 0.5, valence: 0.3 } },
      opinion: { before: 20, after: 25, delta: 5 },
      goalProgress: { before: 0, after: 0.2, delta: 0.2 },
      reasons: ['a fair offer'],
    },
  },
  'dialogue.resolve': outcome,
  'analytics.logging': {
    task: 'dialogue.reply',
    provider: 'scripted',
    model: 'scripted-1',
    latencyMs: 12,
    tokens: { prompt: 100, completion: 20, total: 120 },
    ok: true,
    dialogueId: DIALOGUE_ID,
  },
  'character.memory': {
    playerId: 'player-7',
    characterId: 'smith-odo',
    change: 'added',
    by: 'dialogue',
    dialogueId: DIALOGUE_ID,
    memories: [
      {
        id: `d-${DIALOGUE_ID}-1`,
        text: 'They tried to talk me round with arguments.',
        importance: 0.5,
        pinned: false,
        source: 'dialogue',
        dialogueId: DIALOGUE_ID,
        createdAt: TIME,
        lastRecalledAt: null,
      },
    ],
  },
} satisfies { [T in EventType]: EventData<T> };

const sequenceByType: Record<EventType, number | undefined> = {
  'dialogue.initiate': 0,
  'dialogue.progress': 1,
  'dialogue.resolve': 2,
  'analytics.logging': undefined,
  'character.memory': undefined,
};

describe('buildEvent', () => {
  it('has a case for every event type', () => {
    expect(Object.keys(dataByType).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(EVENT_TYPES.map((t) => [t]))('%s: a valid CloudEvent whose data matches its schema', (type) => {
    const sequence = sequenceByType[type];
    const event = buildEvent({
      id: dialogueEventId(DIALOGUE_ID, type, sequence ?? 0),
      type,
      source: eventSource('dialogue-test'),
      subject: DIALOGUE_ID,
      time: TIME,
      ...(sequence === undefined ? {} : { sequence }),
      traceparent: TRACEPARENT,
      data: dataByType[type],
    } as Parameters<typeof buildEvent>[0]);

    expect(ParleyEventSchema.parse(event)).toEqual(event);
    expect(EVENT_DATA_SCHEMAS[type].parse(event.data)).toEqual(dataByType[type]);
    expect(event).toMatchObject({
      specversion: '1.0',
      type,
      source: '/parley/dialogue-test',
      subject: DIALOGUE_ID,
      time: TIME,
      datacontenttype: 'application/json',
      traceparent: TRACEPARENT,
    });
    expect(event.sequence).toBe(sequence);
  });

  it('leaves unset optional attributes out rather than undefined', () => {
    const event = buildEvent({
      id: 'e-1',
      type: 'analytics.logging',
      source: eventSource('ai-generate'),
      time: TIME,
      data: dataByType['analytics.logging'],
    });
    expect(ParleyEventSchema.parse(event)).toEqual(event);
    expect(Object.keys(event).sort()).toEqual([
      'data',
      'datacontenttype',
      'id',
      'source',
      'specversion',
      'time',
      'type',
    ]);
  });

  it.each([
    {
      name: 'progress data under the initiate type',
      type: 'dialogue.initiate' as const,
      data: dataByType['dialogue.progress'],
    },
    {
      name: 'initiate data under the resolve type',
      type: 'dialogue.resolve' as const,
      data: dataByType['dialogue.initiate'],
    },
    {
      name: 'progress of turn 0',
      type: 'dialogue.progress' as const,
      data: { ...dataByType['dialogue.progress'], seq: 0 },
    },
  ])('the data schemas catch $name', ({ type, data }) => {
    expect(EVENT_DATA_SCHEMAS[type].safeParse(data).success).toBe(false);
  });

  it.each([
    { name: 'a malformed traceparent', patch: { traceparent: '00-abc-01' } },
    { name: 'a time that is not ISO', patch: { time: '1 May 2030' } },
    { name: 'a negative sequence', patch: { sequence: -1 } },
    { name: 'an unknown type', patch: { type: 'dialogue.paused' } },
    { name: 'an extra attribute', patch: { partitionkey: 'x' } },
  ])('the event schema rejects $name', ({ patch }) => {
    const event = buildEvent({
      id: 'e-1',
      type: 'analytics.logging',
      source: '/parley/x',
      time: TIME,
      data: dataByType['analytics.logging'],
    });
    expect(ParleyEventSchema.safeParse({ ...event, ...patch }).success).toBe(false);
  });
});

describe('dialogueEventId', () => {
  it('is the same for the same step, so a retry never mints a second event', () => {
    expect(dialogueEventId(DIALOGUE_ID, 'dialogue.progress', 3)).toBe(
      dialogueEventId(DIALOGUE_ID, 'dialogue.progress', 3),
    );
  });

  it('differs whenever the dialogue, the type or the sequence differs', () => {
    const other = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
    const ids = [
      ...EVENT_TYPES.flatMap((t) => [0, 1, 2, 10].map((n) => dialogueEventId(DIALOGUE_ID, t, n))),
      ...EVENT_TYPES.flatMap((t) => [0, 1, 2, 10].map((n) => dialogueEventId(other, t, n))),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('eventSource', () => {
  it('names the emitting function under /parley', () => {
    expect(eventSource('dialogue-start')).toBe('/parley/dialogue-start');
  });
});

describe('formatSequence / readSequence', () => {
  it.each([
    [0, '0000000000'],
    [9, '0000000009'],
    [10, '0000000010'],
    [9_999_999_999, '9999999999'],
  ])('writes %i as %s and reads it back', (n, text) => {
    expect(formatSequence(n)).toBe(text);
    expect(readSequence(text)).toBe(n);
  });

  it('orders as strings the way the turns order as numbers', () => {
    const turns = Array.from({ length: 200 }, (_, i) => i);
    const texts = turns.map(formatSequence);
    expect([...texts].sort()).toEqual(texts);
  });

  it('reads the unpadded form and JSON numbers, and nothing else', () => {
    expect(readSequence('10')).toBe(10);
    expect(readSequence(10)).toBe(10);
    for (const bad of ['-1', 'three', '1.5', '', 1.5, -1, null, undefined]) expect(readSequence(bad)).toBeUndefined();
  });

  it.each([-1, 1.5, 10_000_000_000])('refuses to write %p', (n) => {
    expect(() => formatSequence(n)).toThrow(RangeError);
  });
});
