/**
 * Fuzz: fast-check throws malformed and hostile requests at every route of every
 * function (random methods, paths, headers, bodies: broken JSON, wrong types, huge strings,
 * prototype-pollution keys, deep nesting). Zero 5xx, no crash, and the dialogue store (real Redis,
 * every key and value) and the event log are exactly as before.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { eventSource, type ParleyEvent } from '@parley/shared';
import { createLogger, ScriptedProvider, RedisDialogueStore, AiGateway } from '@parley/shared/composition';
import { InProcessEventBus, MemoryAnalyticsStore, MemorySeenEvents } from '@parley/shared/testing';
import { jwtAuthenticator } from '@parley/shared/http';
import { createApp as aiApp } from '../../functions/ai-generate/app';
import { createApp as logApp } from '../../functions/dialogue-log/app';
import { createLogHandler } from '../../functions/dialogue-log/handler';
import { createApp as analyticsApp } from '../../functions/dialogue-analytics/app';
import { createAnalyticsService } from '../../functions/dialogue-analytics/handler';
import { startDialogueFunctions } from '../support/dialogue-harness';
import { listen } from '../support/http';
import { REDIS_URL } from '../support/redis-test-kit';
import { TEST_JWT_SECRET, signToken } from '../support/tokens';

const RUNS = 5200;
/** The deadline follows the work: up to 100 ms a request on a busy machine (it hit a flat 120 s at load 20). */
const DEADLINE_MS = RUNS * 100;
const logger = createLogger('fuzz', 'silent');
const keyPrefix = `parley-fuzz-${randomBytes(4).toString('hex')}:`;
const admin = new Redis(REDIS_URL);
const redisStore = RedisDialogueStore.connect(REDIS_URL, { keyPrefix, ttlSeconds: 3600 });

/** Every key under the test's prefix with its value, as one comparable object. */
async function snapshot(): Promise<Record<string, unknown>> {
  const keys = (await admin.keys(`${keyPrefix}*`)).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await admin.type(key);
    if (type === 'string') out[key] = await admin.get(key);
    else if (type === 'hash') out[key] = await admin.hgetall(key);
    else if (type === 'list') out[key] = await admin.lrange(key, 0, -1);
    else if (type === 'set') out[key] = (await admin.smembers(key)).sort();
    else if (type === 'zset') out[key] = await admin.zrange(key, 0, -1);
    else out[key] = type;
  }
  return out;
}

afterAll(async () => {
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length) await admin.del(...keys);
  await admin.quit();
  await redisStore.close();
});

test(
  `${RUNS} hostile requests over all routes: no 5xx, no crash, store and events unchanged`,
  async () => {
    const h = await startDialogueFunctions({
      store: redisStore,
      access: { auth: jwtAuthenticator({ secret: TEST_JWT_SECRET }) },
    });
    const aiEvents: ParleyEvent[] = [];
    const aiBus = new InProcessEventBus();
    aiBus.subscribe(async (e) => void aiEvents.push(e));
    const gateway = new AiGateway({
      provider: new ScriptedProvider({ chunkDelayMs: 0 }),
      fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
      publisher: aiBus,
      source: eventSource('ai-generate'),
      logger,
    });
    const seen: ParleyEvent[] = [];
    const log = await listen(
      logApp({ handler: createLogHandler({ logger, seen: new MemorySeenEvents() }), logger, readiness: {} }),
    );
    const analyticsService = createAnalyticsService({ store: new MemoryAnalyticsStore() });
    const analytics = await listen(
      analyticsApp({
        service: {
          ...analyticsService,
          handle: async (e) => {
            seen.push(e);
            await analyticsService.handle(e);
          },
        },
        logger,
        readiness: {},
      }),
    );
    const ai = await listen(aiApp({ gateway, logger }));
    try {
      // A victim dialogue owned by alice, with one turn applied.
      const alice = { authorization: `Bearer ${await signToken('alice')}`, 'content-type': 'application/json' };
      const started = await fetch(`${h.urls.start}/v1/dialogues`, {
        method: 'POST',
        headers: alice,
        body: JSON.stringify({ characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' }),
      });
      expect(started.status).toBe(201);
      const victim = ((await started.json()) as { dialogue: { id: string } }).dialogue.id;
      expect(
        (
          await fetch(`${h.urls.message}/v1/dialogues/${victim}/messages`, {
            method: 'POST',
            headers: alice,
            body: JSON.stringify({ messageId: 'm1', text: 'Hello.' }),
          })
        ).status,
      ).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
      const storeBefore = await snapshot();
      const eventsBefore = h.events.length;
      const reportBefore = await analyticsService.report();
      await gateway.drain();
      const aiEventsBefore = aiEvents.length;

      const mallory = `Bearer ${await signToken('mallory')}`;
      const forged = `Bearer ${await signToken('alice', { secret: 'x'.repeat(40) })}`;
      const bases = [h.urls.start, h.urls.message, h.urls.end, ai.url, log.url, analytics.url];
      const huge = (n: number) => fc.constant('\u{1F600}'.repeat(n));
      const idArb = fc.oneof(
        fc.constant(victim),
        fc.uuid(),
        fc.string({ maxLength: 40 }).map(encodeURIComponent),
        fc.constantFrom(
          '__proto__',
          'constructor',
          '..%2F..%2Fetc%2Fpasswd',
          '%00',
          '%E0%A4%A',
          'a'.repeat(5000),
          '%F0%9F%98%80',
        ),
      );
      const pathArb = fc.oneof(
        fc.constantFrom(
          '/v1/characters',
          '/v1/dialogues',
          '/v1/analytics',
          '/',
          '/healthz',
          '/readyz',
          '/openapi.json',
        ),
        idArb.map((id) => `/v1/characters/${id}`),
        idArb.map((id) => `/v1/dialogues/${id}`),
        idArb.map((id) => `/v1/dialogues/${id}/messages`),
        idArb.map((id) => `/v1/dialogues/${id}/end`),
        fc
          .constantFrom(
            'dialogue.reply',
            'dialogue.appraise',
            'text.generate',
            '__proto__',
            'hasOwnProperty',
            'toString',
          )
          .map((t) => `/v1/tasks/${t}`),
        fc.webPath(),
      );
      const jsonish = fc.jsonValue({ maxDepth: 4 });
      const hostileKey = fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'extra',
        'isAdmin',
        'playerId',
        'version',
      );
      // Shapes close to valid bodies, each with at least one thing wrong (unknown key, wrong type, out of bounds).
      const nearValid = fc.oneof(
        fc
          .record({
            characterId: fc.constantFrom('innkeeper-mara', 'captain-bram'),
            goalId: fc.constantFrom('learn-rumour', 'pass-gate'),
          })
          .chain((b) =>
            fc
              .tuple(hostileKey, jsonish)
              .map(([k, v]) => `{${JSON.stringify(b).slice(1, -1)},${JSON.stringify(k)}:${JSON.stringify(v)}}`),
          ),
        fc
          .record({
            messageId: fc.oneof(fc.string(), fc.integer(), fc.constant('x'.repeat(300))),
            text: fc.oneof(fc.string({ minLength: 2001, maxLength: 2100 }), fc.integer(), fc.constant(null)),
          })
          .map((b) => JSON.stringify(b)),
        fc
          .tuple(hostileKey, jsonish)
          .map(([k, v]) => `{"messageId":"f1","text":"hi",${JSON.stringify(k)}:${JSON.stringify(v)}}`),
        fc.constant('{"__proto__":{"polluted":true},"characterId":"innkeeper-mara","goalId":"learn-rumour"}'),
        fc.constant('{"constructor":{"prototype":{"polluted":true}}}'),
        fc.constant('{"input":{"prompt":"x","__proto__":{"polluted":true}},"stream":"yes"}'),
        fc.constant('{"input":{"prompt":"x"},"stream":false,"extra":1}'),
        fc.constant('{"reason":' + JSON.stringify('r'.repeat(201)) + '}'),
      );
      const bodyArb = fc.oneof(
        fc.constant(undefined),
        jsonish.map((v) => JSON.stringify(v)),
        fc.string(),
        fc.constantFrom('{', '{"a":', '[1,2', 'null', 'true', '"str"', '{"a":1}}', '\u0000', 'NaN', '{"a":1e999}'),
        fc.integer({ min: 100, max: 40_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
        fc.integer({ min: 100, max: 10_000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)),
        huge(2_000),
        fc.constant('\u{1F600}'.repeat(20_000)).map((s) => s),
        fc.constant('x'.repeat(70 * 1024)),
        nearValid,
      );
      const printable = fc.string({
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        maxLength: 200,
      });
      const headerArb = fc.record(
        {
          'content-type': fc.constantFrom(
            'application/json',
            'application/cloudevents+json',
            'text/plain',
            'application/json; charset=utf-16',
            'application/json; charset=latin-9',
            'multipart/form-data',
            'application/x-www-form-urlencoded',
          ),
          accept: fc.constantFrom('text/event-stream', 'application/json', '*/*', 'text/event-stream;q=0'),
          authorization: fc.oneof(
            fc.constant(mallory),
            fc.constant(forged),
            fc.constant('Bearer '),
            fc.constant(`Bearer ${'a'.repeat(9000)}`),
            printable,
          ),
          'x-player-id': fc.oneof(printable, fc.constant('p'.repeat(8000))),
          traceparent: fc.oneof(printable, fc.constant('00-00000000000000000000000000000000-0000000000000000-00')),
          'ce-specversion': fc.constantFrom('1.0', '0.3', '', '9'),
          'ce-id': printable,
          'ce-type': fc.constantFrom('dialogue.progress', 'x', ''),
          'ce-source': printable,
          'content-encoding': fc.constantFrom('gzip', 'identity', 'br', 'bogus'),
        },
        { requiredKeys: [] },
      );
      const requestArb = fc.record({
        base: fc.constantFrom(...bases),
        method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        path: pathArb,
        headers: headerArb,
        body: bodyArb,
      });

      const statuses = new Map<number, number>();
      let sent = 0;
      await fc.assert(
        fc.asyncProperty(requestArb, async (r) => {
          const withBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
          let status: number;
          try {
            const res = await fetch(`${r.base}${r.path}`, {
              method: r.method,
              headers: r.headers,
              body: withBody ? (r.body ?? null) : null,
            });
            await res.arrayBuffer().catch(() => undefined);
            status = res.status;
          } catch (err) {
            // Only the client may refuse (an invalid header value or URL): the server must never drop us.
            const cause = (err as { cause?: { code?: string } }).cause;
            if (cause?.code === 'ECONNRESET' || cause?.code === 'ECONNREFUSED' || cause?.code === 'UND_ERR_SOCKET')
              throw err;
            return;
          }
          sent++;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500) throw new Error(`${r.method} ${r.base}${r.path} answered ${status}`);
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
      );

      await gateway.drain();
      await new Promise((r) => setTimeout(r, 100));
      // Every server is still up.
      for (const base of bases) expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(await snapshot()).toEqual(storeBefore);
      expect(h.events.length).toBe(eventsBefore);
      expect(aiEvents.length).toBe(aiEventsBefore);
      expect(seen).toEqual([]);
      expect(await analyticsService.report()).toEqual(reportBefore);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const byStatus = [...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}:${n}`)
        .join(' ');
      console.log(
        `fuzz: ${sent} requests answered (of ${RUNS} generated), 0 5xx; by status ${byStatus}; store keys ${Object.keys(storeBefore).length} unchanged; events ${eventsBefore} unchanged`,
      );
      expect(sent).toBeGreaterThanOrEqual(5000);
    } finally {
      await Promise.all([h.close(), log.close(), analytics.close(), ai.close()]);
    }
  },
  DEADLINE_MS,
);
