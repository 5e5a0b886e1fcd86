import { analyticsScenario, expectedScenarioReport } from '../../../test/analytics-scenario';
import { AnalyticsReportSchema, analyticsCounter, analyticsIncrements, analyticsReport } from './analytics';
import { buildEvent, type ParleyEvent } from './events';

function sumAll(events: ParleyEvent[]): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const event of events) {
    for (const [name, amount] of Object.entries(analyticsIncrements(event)))
      counters[name] = (counters[name] ?? 0) + amount;
  }
  return counters;
}

describe('analyticsIncrements', () => {
  const events = analyticsScenario();
  const byType = (type: string) => events.filter((e) => e.type === type);

  it.each([
    ['dialogue.initiate', { 'character:innkeeper-mara:started': 1 }],
    ['dialogue.progress', {}],
  ])('%s adds %j', (type, expected) => {
    expect(analyticsIncrements(byType(type)[0]!)).toEqual(expected);
  });

  it('dialogue.resolve adds the outcome per character and credits the strategies used by their turns', () => {
    expect(analyticsIncrements(byType('dialogue.resolve')[0]!)).toEqual({
      'character:innkeeper-mara:ended': 1,
      'character:innkeeper-mara:turnsAtEnd': 3,
      'character:innkeeper-mara:moodValenceChange': 0.2,
      'character:innkeeper-mara:opinionChange': 28.7,
      'character:innkeeper-mara:strategy:flatter:ended': 2 / 3,
      'character:innkeeper-mara:strategy:flatter:achieved': 2 / 3,
      'character:innkeeper-mara:strategy:flatter:turns': 2,
      'character:innkeeper-mara:strategy:persuade:ended': 1 / 3,
      'character:innkeeper-mara:strategy:persuade:achieved': 1 / 3,
      'character:innkeeper-mara:strategy:persuade:turns': 1,
    });
  });

  it('credits no strategy for a dialogue ended before any turn, and the opening one for an outcome without tallies', () => {
    const resolve = byType('dialogue.resolve')[0]!;
    const outcome = resolve.data as Record<string, unknown>;
    const names = (data: Record<string, unknown>) =>
      Object.keys(analyticsIncrements({ ...resolve, data })).filter((n) => n.includes(':strategy:'));
    expect(names({ ...outcome, strategies: {}, turnCount: 0 })).toEqual([]);
    expect(names({ ...outcome, strategies: {}, turnCount: 4 }).sort()).toEqual([
      'character:innkeeper-mara:strategy:flatter:achieved',
      'character:innkeeper-mara:strategy:flatter:ended',
      'character:innkeeper-mara:strategy:flatter:turns',
    ]);
  });

  it('character.memory counts memories written and forgotten, and forget-me requests, per character', () => {
    const memoryEvent = (data: Record<string, unknown>) =>
      buildEvent({
        id: `m-${String(data.change)}`,
        type: 'character.memory',
        source: '/parley/test',
        time: '2030-01-01T00:00:00.000Z',
        data: data as never,
      });
    const memory = {
      id: 'g-1',
      text: 'x',
      importance: 0.5,
      pinned: false,
      source: 'game',
      createdAt: '2030-01-01T00:00:00.000Z',
      lastRecalledAt: null,
    };
    const base = { playerId: 'p', characterId: 'innkeeper-mara' };
    expect(
      analyticsIncrements(
        memoryEvent({ ...base, change: 'added', by: 'dialogue', memories: [memory, { ...memory, id: 'g-2' }] }),
      ),
    ).toEqual({
      'character:innkeeper-mara:memoriesWritten': 2,
    });
    expect(
      analyticsIncrements(
        memoryEvent({ ...base, change: 'forgotten', by: 'player', memoryIds: ['g-1'], relationshipForgotten: true }),
      ),
    ).toEqual({
      'character:innkeeper-mara:memoriesForgotten': 1,
      'character:innkeeper-mara:forgetMe': 1,
    });
    const report = analyticsReport({
      'character:innkeeper-mara:memoriesWritten': 2,
      'character:innkeeper-mara:memoriesRecalled': 5,
      'character:innkeeper-mara:forgetMe': 1,
    });
    expect(report.characters['innkeeper-mara']!.memories).toEqual({
      written: 2,
      recalled: 5,
      forgotten: 0,
      forgetMeRequests: 1,
    });
  });

  it('analytics.logging adds per provider and per task', () => {
    expect(analyticsIncrements(byType('analytics.logging')[1]!)).toEqual({
      'ai:scripted:calls': 1,
      'ai:scripted:failures': 0,
      'ai:scripted:fallbacks': 1,
      'ai:scripted:latencyMs': 30,
      'ai:scripted:tokensPrompt': 50,
      'ai:scripted:tokensCompletion': 5,
      'task:dialogue.appraise:calls': 1,
      'task:dialogue.appraise:failures': 0,
    });
  });

  it('rejects an event whose data does not fit its type with BadRequest', () => {
    const bad = { ...byType('dialogue.resolve')[0]!, data: { dialogueId: 'x' } };
    expect(() => analyticsIncrements(bad)).toThrow(expect.objectContaining({ code: 'BadRequest' }));
  });

  it('escapes ids so that they cannot forge other counters', () => {
    const event = buildEvent({
      id: 'x',
      type: 'analytics.logging',
      source: '/test',
      time: '2030-01-01T00:00:00.000Z',
      data: {
        task: 't',
        provider: 'evil:calls:x',
        model: 'm',
        latencyMs: 1,
        tokens: { prompt: 0, completion: 0, total: 0 },
        ok: true,
      },
    });
    const names = Object.keys(analyticsIncrements(event));
    expect(names).toContain('ai:evil%3Acalls%3Ax:calls');
    expect(analyticsReport(analyticsIncrements(event)).ai).toHaveProperty(['evil:calls:x', 'calls'], 1);
    expect(analyticsCounter.aiCalls('p'.repeat(500)).length).toBeLessThan(100);
  });
});

describe('analyticsReport', () => {
  it('derives the figures of the scenario', () => {
    const report = analyticsReport(sumAll(analyticsScenario()));
    expect(report).toEqual(expectedScenarioReport);
    expect(AnalyticsReportSchema.parse(report)).toEqual(report);
  });

  it('is empty for no counters and ignores names it does not know', () => {
    expect(analyticsReport({})).toEqual({ characters: {}, ai: {}, tasks: {} });
    expect(analyticsReport({ 'future:x:y': 3, 'character:%E0:started': 1, nonsense: 1 })).toEqual({
      characters: {},
      ai: {},
      tasks: {},
    });
  });

  it('answers null averages for a character with no ended dialogue', () => {
    const report = analyticsReport({ [analyticsCounter.characterStarted('captain-bram')]: 2 });
    expect(report.characters['captain-bram']).toEqual({
      dialoguesStarted: 2,
      dialoguesEnded: 0,
      averageTurns: null,
      goalSuccessRateByStrategy: {},
      averageMoodChange: null,
      averageOpinionChange: null,
      memories: { written: 0, recalled: 0, forgotten: 0, forgetMeRequests: 0 },
    });
  });

  it('rounds float drift away', () => {
    const c = analyticsCounter;
    const report = analyticsReport({ [c.characterEnded('a')]: 3, [c.characterMoodChange('a')]: 0.1 + 0.2 + 0.3 });
    expect(report.characters.a?.averageMoodChange).toBe(0.2);
  });
});
