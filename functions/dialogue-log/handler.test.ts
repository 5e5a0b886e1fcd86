import { analyticsScenario } from '../../test/analytics-scenario';
import { StoreUnavailable, type SeenEvents } from '@parley/shared';
import { MemorySeenEvents } from '@parley/shared/testing';
import { captureLogger } from '../../test/support/capture-logger';
import { createLogHandler, summarizeEvent } from './handler';

describe('createLogHandler', () => {
  const events = analyticsScenario();
  const resolve = events.find((e) => e.type === 'dialogue.resolve')!;

  it('writes one structured line per event with its attributes and a summary', async () => {
    const { logger, lines } = captureLogger();
    const handle = createLogHandler({ logger, seen: new MemorySeenEvents() });
    for (const event of events) await handle(event);
    expect(lines).toHaveLength(events.length);
    expect(lines.map((l) => (l.event as { id: string }).id)).toEqual(events.map((e) => e.id));
    const line = lines.find((l) => (l.event as { id: string }).id === resolve.id)!;
    expect(line).toMatchObject({
      msg: 'dialogue.resolve',
      event: {
        type: 'dialogue.resolve',
        id: resolve.id,
        subject: resolve.subject,
        sequence: 4,
        source: '/parley/dialogue-end',
        time: resolve.time,
      },
      summary: {
        characterId: 'innkeeper-mara',
        strategyId: 'flatter',
        goalAchieved: true,
        turnCount: 3,
        endedBy: 'player',
      },
    });
  });

  it('skips a duplicate event id', async () => {
    const { logger, lines } = captureLogger();
    const handle = createLogHandler({ logger, seen: new MemorySeenEvents() });
    await handle(resolve);
    await handle({ ...resolve });
    await Promise.all([handle(events[0]!), handle(events[0]!)]);
    expect(lines).toHaveLength(2);
  });

  it('rejects (so the delivery is retried) when the seen-id store is down', async () => {
    const { logger, lines } = captureLogger();
    const down: SeenEvents = {
      firstTime: async () => {
        throw new StoreUnavailable('down');
      },
      ping: async () => undefined,
      close: async () => undefined,
    };
    await expect(createLogHandler({ logger, seen: down })(resolve)).rejects.toBeInstanceOf(StoreUnavailable);
    expect(lines).toHaveLength(0);
  });
});

describe('summarizeEvent', () => {
  const events = analyticsScenario();
  it.each([
    [
      'dialogue.initiate',
      { characterId: 'innkeeper-mara', goalId: 'free-room', strategyId: 'flatter', playerId: 'player-1' },
    ],
    ['dialogue.progress', { seq: 1, strategyId: 'flatter', opinionDelta: 10, goalProgress: 0.3 }],
    ['analytics.logging', { task: 'dialogue.reply', provider: 'scripted', latencyMs: 10, ok: true, tokens: 120 }],
  ])('summarises %s', (type, expected) => {
    expect(summarizeEvent(events.find((e) => e.type === type)!)).toMatchObject(expected);
  });

  it('keeps player and AI text out of the log', () => {
    const progress = events.find((e) => e.type === 'dialogue.progress')!;
    expect(JSON.stringify(summarizeEvent(progress))).not.toContain('Hello there.');
  });

  it('still summarises an event whose data does not fit its type', () => {
    expect(summarizeEvent({ ...events[0]!, data: { nope: 1 } })).toHaveProperty('invalidData');
  });
});
