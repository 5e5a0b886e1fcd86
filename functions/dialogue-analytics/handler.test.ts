import { MemoryAnalyticsStore } from '@parley/shared/testing';
import { analyticsScenario, expectedScenarioReport } from '../../test/analytics-scenario';
import { createAnalyticsService } from './handler';

describe('createAnalyticsService', () => {
  it('reports the figures of a sequence of events', async () => {
    const service = createAnalyticsService({ store: new MemoryAnalyticsStore() });
    for (const event of analyticsScenario()) await service.handle(event);
    expect(await service.report()).toEqual(expectedScenarioReport);
  });

  it('counts a redelivered event once', async () => {
    const service = createAnalyticsService({ store: new MemoryAnalyticsStore() });
    const events = analyticsScenario();
    for (const event of [...events, ...events]) await service.handle(event);
    await Promise.all(events.map((e) => service.handle({ ...e })));
    expect(await service.report()).toEqual(expectedScenarioReport);
  });

  it('rejects malformed event data with BadRequest and counts nothing', async () => {
    const service = createAnalyticsService({ store: new MemoryAnalyticsStore() });
    const resolve = analyticsScenario().find((e) => e.type === 'dialogue.resolve')!;
    await expect(service.handle({ ...resolve, data: { characterId: 'x' } })).rejects.toMatchObject({
      code: 'BadRequest',
    });
    expect(await service.report()).toEqual({ characters: {}, ai: {}, tasks: {} });
    // The id was not used up: the well-formed event still counts.
    await service.handle(resolve);
    expect((await service.report()).characters['innkeeper-mara']?.dialoguesEnded).toBe(1);
  });

  it('starts with an empty report', async () => {
    expect(await createAnalyticsService({ store: new MemoryAnalyticsStore() }).report()).toEqual({
      characters: {},
      ai: {},
      tasks: {},
    });
  });
});
