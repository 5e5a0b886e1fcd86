/**
 * Auth (docs/security.md): on every route, no token 401, a forged or expired token 401, another
 * player's token 403 (and the 403 says nothing about the other dialogue); internal routes (ai-generate,
 * the subscribers' receivers and report) accept only the service token. Functions in AUTH_MODE=jwt.
 */
import { SignJWT } from 'jose';
import { eventSource } from '@parley/shared';
import { createLogger, ScriptedProvider, AiGateway } from '@parley/shared/composition';
import { InProcessEventBus, MemoryAnalyticsStore, MemorySeenEvents } from '@parley/shared/testing';
import { jwtAuthenticator } from '@parley/shared/http';
import { createApp as aiApp } from '../../functions/ai-generate/app';
import { createApp as logApp } from '../../functions/dialogue-log/app';
import { createLogHandler } from '../../functions/dialogue-log/handler';
import { createApp as analyticsApp } from '../../functions/dialogue-analytics/app';
import { createAnalyticsService } from '../../functions/dialogue-analytics/handler';
import { startDialogueFunctions } from '../support/dialogue-harness';
import { listen } from '../support/http';
import { TEST_JWT_SECRET, signToken } from '../support/tokens';

const SERVICE_TOKEN = 'service-token-0123456789abcdef';
const logger = createLogger('auth-test', 'silent');

type Harness = Awaited<ReturnType<typeof startDialogueFunctions>>;
let h: Harness;
let internal: { ai: string; log: string; analytics: string };
const closers: Array<() => Promise<void>> = [];
let aliceDialogue: string;

async function call(url: string, method: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as { error?: { code: string; message: string; details?: unknown } }) : null,
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  h = await startDialogueFunctions({ access: { auth: jwtAuthenticator({ secret: TEST_JWT_SECRET }) } });
  closers.push(() => h.close());
  const gateway = new AiGateway({
    provider: new ScriptedProvider({ chunkDelayMs: 0 }),
    fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
    publisher: new InProcessEventBus(),
    source: eventSource('ai-generate'),
    logger,
  });
  const ai = await listen(aiApp({ gateway, logger, serviceToken: SERVICE_TOKEN }));
  const log = await listen(
    logApp({
      handler: createLogHandler({ logger, seen: new MemorySeenEvents() }),
      logger,
      readiness: {},
      serviceToken: SERVICE_TOKEN,
    }),
  );
  const analytics = await listen(
    analyticsApp({
      service: createAnalyticsService({ store: new MemoryAnalyticsStore() }),
      logger,
      readiness: {},
      serviceToken: SERVICE_TOKEN,
    }),
  );
  closers.push(ai.close, log.close, analytics.close);
  internal = { ai: ai.url, log: log.url, analytics: analytics.url };
  const started = await call(`${h.urls.start}/v1/dialogues`, 'POST', bearer(await signToken('alice')), {
    characterId: 'innkeeper-mara',
    goalId: 'learn-rumour',
    strategyId: 'flatter',
  });
  expect(started.status).toBe(201);
  aliceDialogue = (started.body as unknown as { dialogue: { id: string } }).dialogue.id;
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** Every player route, with a body that would succeed for its owner. */
const playerRoutes = () => [
  { name: 'GET /v1/characters', url: `${h.urls.start}/v1/characters`, method: 'GET', owned: false },
  { name: 'GET /v1/characters/:id', url: `${h.urls.start}/v1/characters/innkeeper-mara`, method: 'GET', owned: false },
  {
    name: 'POST /v1/dialogues',
    url: `${h.urls.start}/v1/dialogues`,
    method: 'POST',
    body: { characterId: 'captain-bram', goalId: 'pass-gate' },
    owned: false,
  },
  { name: 'GET /v1/dialogues/:id', url: `${h.urls.message}/v1/dialogues/${aliceDialogue}`, method: 'GET', owned: true },
  {
    name: 'POST /v1/dialogues/:id/messages',
    url: `${h.urls.message}/v1/dialogues/${aliceDialogue}/messages`,
    method: 'POST',
    body: { messageId: 'm-auth', text: 'Hello there.' },
    owned: true,
  },
  {
    name: 'POST /v1/dialogues/:id/end',
    url: `${h.urls.end}/v1/dialogues/${aliceDialogue}/end`,
    method: 'POST',
    body: {},
    owned: true,
  },
];

test('every player route: no token, a malformed header, a forged, expired, alg:none or sub-less token all answer 401', async () => {
  const now = Math.floor(Date.now() / 1000);
  const forged = await signToken('alice', { secret: 'another-secret-0123456789abcdef0123456789' });
  const expired = await signToken('alice', { issuedAt: now - 7200, expiresInSeconds: 3600 });
  const noExp = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
  const noSub = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
  const [head, payload] = (await signToken('alice')).split('.');
  const algNone = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
  const tampered = `${head}.${Buffer.from(JSON.stringify({ sub: 'mallory', exp: now + 600 })).toString('base64url')}.${(await signToken('alice')).split('.')[2]}`;
  const cases: Array<[string, Record<string, string>]> = [
    ['no token', {}],
    ['X-Player-Id only (the dev scheme)', { 'x-player-id': 'alice' }],
    ['Basic scheme', { authorization: 'Basic YWxpY2U6cGFzcw==' }],
    ['garbage bearer', bearer('not.a.jwt')],
    ['forged (other secret)', bearer(forged)],
    ['expired', bearer(expired)],
    ['no exp', bearer(noExp)],
    ['no sub', bearer(noSub)],
    ['alg none', bearer(algNone)],
    ['tampered payload', bearer(tampered)],
    ['huge bearer', bearer('a'.repeat(16_000))],
  ];
  let checked = 0;
  for (const route of playerRoutes()) {
    for (const [what, headers] of cases) {
      const res = await call(route.url, route.method, headers, route.body);
      expect({ route: route.name, what, status: res.status, code: res.body?.error?.code }).toEqual({
        route: route.name,
        what,
        status: 401,
        code: 'Unauthorized',
      });
      checked++;
    }
  }
  console.log(`auth: ${checked} unauthenticated requests over ${playerRoutes().length} player routes, all 401`);
});

test("another player's valid token: 403 on alice's dialogue, with nothing about it in the answer; unknown ids stay 404", async () => {
  const mallory = bearer(await signToken('mallory'));
  let checked = 0;
  for (const route of playerRoutes().filter((r) => r.owned)) {
    const res = await call(route.url, route.method, mallory, route.body);
    expect({ route: route.name, status: res.status }).toEqual({ route: route.name, status: 403 });
    // No hint: same fixed message, no details, no id, character or player in the body.
    expect(res.body).toEqual({ error: { code: 'Forbidden', message: expect.any(String) } });
    const text = JSON.stringify(res.body);
    for (const secret of [aliceDialogue, 'alice', 'innkeeper-mara', 'learn-rumour']) expect(text).not.toContain(secret);
    checked++;
  }
  const unknown = await call(`${h.urls.message}/v1/dialogues/00000000-0000-4000-8000-000000000000`, 'GET', mallory);
  expect(unknown.status).toBe(404);
  // Alice's dialogue is untouched by mallory's attempts.
  const mine = await call(`${h.urls.message}/v1/dialogues/${aliceDialogue}`, 'GET', bearer(await signToken('alice')));
  expect(mine.status).toBe(200);
  expect((mine.body as unknown as { dialogue: { version: number; status: string } }).dialogue).toMatchObject({
    version: 0,
    status: 'active',
  });
  console.log(`auth: ${checked} requests with another player's token, all 403 without detail`);
});

test("the owner's token works on every player route (the guard is not just closed)", async () => {
  const alice = bearer(await signToken('alice'));
  const statuses: Record<string, number> = {};
  for (const route of playerRoutes())
    statuses[route.name] = (await call(route.url, route.method, alice, route.body)).status;
  expect(statuses).toEqual({
    'GET /v1/characters': 200,
    'GET /v1/characters/:id': 200,
    'POST /v1/dialogues': 201,
    'GET /v1/dialogues/:id': 200,
    'POST /v1/dialogues/:id/messages': 200,
    'POST /v1/dialogues/:id/end': 200,
  });
});

test('internal routes: ai-generate, the receivers and the analytics report take only the service token', async () => {
  const player = bearer(await signToken('alice'));
  const routes = [
    {
      name: 'POST /v1/tasks/:task',
      url: `${internal.ai}/v1/tasks/text.generate`,
      method: 'POST',
      body: { input: { prompt: 'A sign reads' } },
    },
    { name: 'dialogue-log POST /', url: `${internal.log}/`, method: 'POST', body: {} },
    { name: 'dialogue-analytics POST /', url: `${internal.analytics}/`, method: 'POST', body: {} },
    { name: 'GET /v1/analytics', url: `${internal.analytics}/v1/analytics`, method: 'GET' },
  ];
  for (const route of routes) {
    for (const [what, headers] of [
      ['no token', {}],
      ["a player's JWT", player],
      ['a wrong token', bearer('service-token-0123456789abcdeX')],
      ['the token without Bearer', { authorization: SERVICE_TOKEN }],
    ] as Array<[string, Record<string, string>]>) {
      const res = await call(route.url, route.method, headers, route.body);
      expect({ route: route.name, what, status: res.status }).toEqual({ route: route.name, what, status: 401 });
    }
    // With the token the request reaches the route: 200, or 400 for the empty event.
    const ok = await call(route.url, route.method, bearer(SERVICE_TOKEN), route.body);
    expect([200, 400]).toContain(ok.status);
  }
});
