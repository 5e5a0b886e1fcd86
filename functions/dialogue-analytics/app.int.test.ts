import { randomUUID } from 'node:crypto';
import type { AnalyticsStore } from '@parley/shared';
import { RedisAnalyticsStore, createLogger } from '@parley/shared/composition';
import { MemoryAnalyticsStore } from '@parley/shared/testing';
import { analyticsScenario, expectedScenarioReport } from '../../test/analytics-scenario';
import { postBinaryEvent, postStructuredEvent } from '../../test/support/cloudevent-http';
import { getJson, listen } from '../../test/support/http';
import { REDIS_URL, closedRedisClient, deleteKeysUnder } from '../../test/support/redis-test-kit';
import { createApp } from './app';
import { createAnalyticsService } from './handler';

async function startApp(store: AnalyticsStore) {
  const service = createAnalyticsService({ store });
  return listen(
    createApp({ service, logger: createLogger('test', 'silent'), readiness: { analyticsStore: () => store.ping() } }),
  );
}

describe.each([
  ['memory', async () => ({ store: new MemoryAnalyticsStore() as AnalyticsStore, prefix: null as string | null })],
  [
    'redis',
    async () => {
      const prefix = `test:${randomUUID()}:`;
      return { store: RedisAnalyticsStore.connect(REDIS_URL, { keyPrefix: prefix }) as AnalyticsStore, prefix };
    },
  ],
])('dialogue-analytics app (%s store)', (_name, make) => {
  let store: AnalyticsStore;
  let prefix: string | null;
  let server: Awaited<ReturnType<typeof listen>>;

  beforeEach(async () => {
    ({ store, prefix } = await make());
    server = await startApp(store);
  });
  afterEach(async () => {
    await server.close();
    await store.close();
    if (prefix) await deleteKeysUnder([prefix]);
  });

  it('counts events sent in binary and structured mode, each answered 204 with no body', async () => {
    const events = analyticsScenario();
    for (const [i, event] of events.entries()) {
      const send = i % 2 === 0 ? postBinaryEvent : postStructuredEvent;
      expect(await send(`${server.url}/`, event)).toEqual({ status: 204, text: '' });
    }
    const res = await getJson(`${server.url}/v1/analytics`);
    expect(res).toEqual({ status: 200, body: expectedScenarioReport });
  });

  it('counts a duplicate id once', async () => {
    const events = analyticsScenario();
    for (const event of events) {
      expect((await postBinaryEvent(`${server.url}/`, event)).status).toBe(204);
      expect((await postStructuredEvent(`${server.url}/`, event)).status).toBe(204);
    }
    expect((await getJson(`${server.url}/v1/analytics`)).body).toEqual(expectedScenarioReport);
  });

  it('answers 400 with an error body to an invalid CloudEvent, and counts nothing', async () => {
    const notAnEvent = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', id: 'x', source: '/t' }),
    });
    expect(notAnEvent.status).toBe(400);
    expect(await notAnEvent.json()).toEqual({
      error: expect.objectContaining({ code: 'BadRequest', message: expect.any(String) }),
    });

    const resolve = analyticsScenario().find((e) => e.type === 'dialogue.resolve')!;
    const badData = await postStructuredEvent(`${server.url}/`, { ...resolve, data: { summary: 'no outcome' } });
    expect(badData.status).toBe(400);
    expect(JSON.parse(badData.text)).toMatchObject({ error: { code: 'BadRequest' } });

    expect((await getJson(`${server.url}/v1/analytics`)).body).toEqual({ characters: {}, ai: {}, tasks: {} });
  });

  it('is ready when its store answers', async () => {
    expect((await getJson(`${server.url}/readyz`)).body).toMatchObject({
      status: 'ready',
      checks: { analyticsStore: 'ok' },
    });
  });
});

describe('dialogue-analytics app with its store down', () => {
  it('answers 503 (retried by the broker) and is not ready', async () => {
    const store = new RedisAnalyticsStore(closedRedisClient(), { keyPrefix: 'unused:' });
    const server = await startApp(store);
    try {
      const res = await postBinaryEvent(`${server.url}/`, analyticsScenario()[0]!);
      expect(res.status).toBe(503);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'StoreUnavailable' } });
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    } finally {
      await server.close();
      await store.close();
    }
  });
});
