/**
 * Characters remember players, through the HTTP routes on real Redis: relationship and memories carry
 * from one dialogue to the next, stay with their player, go on forget-me, stay within the cap and the
 * prompt budget, survive restarts of every function and the expiry of dialogues, and need no broker.
 */
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import {
  DialogueConfigSchema,
  MEMORY_PROMPT_SHARE,
  eventSource,
  memoryPromptLine,
  readConfig,
  type AiClient,
  type Recall,
  runTurnSteps,
} from '@parley/shared';
import {
  AiGateway,
  RedisDialogueStore,
  RedisMemoryStore,
  ScriptedProvider,
  createDialogueRuntime,
  createLogger,
  estimateTokens,
  loadCharacterCatalog,
} from '@parley/shared/composition';
import { createApp as startApp } from '../../functions/dialogue-start/app';
import { createApp as messageApp } from '../../functions/dialogue-message/app';
import { createApp as endApp } from '../../functions/dialogue-end/app';
import { CHARACTERS_DIR, startDialogueFunctions } from '../support/dialogue-harness';
import { freePort, listen } from '../support/http';
import { TEST_JWT_SECRET, bearer } from '../support/tokens';

jest.setTimeout(120_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const GAME_TOKEN = 'game-service-token-0123456789abcdef';
const logger = createLogger('memory-test', 'silent');
const prefixes: string[] = [];
const newPrefix = () => {
  const prefix = `parley-memory-test:${randomUUID().slice(0, 8)}:`;
  prefixes.push(prefix);
  return prefix;
};
let admin: Redis;
beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterAll(async () => {
  for (const prefix of prefixes) {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  // The memory outbox index is shared by all players of a prefix: cleaned above with the prefix.
  await admin.quit();
});

async function call(url: string, method: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
}

type Urls = { start: string; message: string; end: string };
const MARA = 'innkeeper-mara';
/** Mara's opinion of a player she never met, from the catalog. */
const MARA_BASELINE = loadCharacterCatalog(CHARACTERS_DIR).get(MARA)!.opinions.player ?? 0;

/** One whole dialogue: start, one turn per strategy given (bribes mostly, one flattery that moves her opinion), end. */
async function dialogue(urls: Urls, auth: Record<string, string>, strategies = ['bribe', 'bribe', 'flatter']) {
  const started = await call(`${urls.start}/v1/dialogues`, 'POST', auth, {
    characterId: MARA,
    goalId: 'learn-rumour',
    strategyId: 'bribe',
  });
  expect(started.status).toBe(201);
  const id = started.body.dialogue.id as string;
  for (const [i, strategyId] of strategies.entries()) {
    const text =
      strategyId === 'bribe' ? 'Here is some silver for your story.' : 'Your stew is the best in the valley.';
    const turn = await call(`${urls.message}/v1/dialogues/${id}/messages`, 'POST', auth, {
      messageId: `m${i}`,
      text,
      strategyId,
    });
    expect(turn.status).toBe(200);
  }
  const ended = await call(`${urls.end}/v1/dialogues/${id}/end`, 'POST', auth, {});
  expect(ended.status).toBe(200);
  return { started: started.body, outcome: ended.body.outcome };
}

describe('the functions as production composes them: real Redis, the broker down', () => {
  const keyPrefix = newPrefix();
  const env = {
    REDIS_URL,
    REDIS_KEY_PREFIX: keyPrefix,
    AUTH_MODE: 'jwt',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    GAME_SERVICE_TOKEN: GAME_TOKEN,
    AI_PROVIDER: 'scripted',
    SCRIPTED_CHUNK_DELAY_MS: '0',
    LOG_LEVEL: 'silent',
  };
  let functions: { urls: Urls; close(): Promise<void> };

  /** dialogue-start, -message and -end, each its own runtime (its own Redis clients), like three pods. */
  async function startFunctions(): Promise<typeof functions> {
    // Nothing listens on this port: every publish fails, events wait in the outboxes.
    const config = readConfig(DialogueConfigSchema, {
      ...env,
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${await freePort()}`,
    });
    const built: Array<{ url: string; close(): Promise<void> }> = [];
    const apps: Array<[string, (r: Awaited<ReturnType<typeof createDialogueRuntime>>) => Express]> = [
      [
        'dialogue-start',
        (r) =>
          startApp(r.deps, { logger, readiness: r.readiness, access: r.access, gameServiceToken: r.gameServiceToken }),
      ],
      ['dialogue-message', (r) => messageApp(r.deps, { logger, readiness: r.readiness, access: r.access })],
      ['dialogue-end', (r) => endApp(r.deps, { logger, readiness: r.readiness, access: r.access })],
    ];
    for (const [functionName, appOf] of apps) {
      const runtime = await createDialogueRuntime(config, { functionName, logger });
      const server = await listen(appOf(runtime));
      built.push({ url: server.url, close: async () => (await server.close(), await runtime.close()) });
    }
    return {
      urls: { start: built[0]!.url, message: built[1]!.url, end: built[2]!.url },
      close: async () => void (await Promise.all(built.map((b) => b.close()))),
    };
  }

  beforeAll(async () => {
    functions = await startFunctions();
  });
  afterAll(async () => {
    await functions.close();
  });

  test('dialogue 2 starts where dialogue 1 ended, greets with a memory; another player sees nothing; forget-me resets', async () => {
    const alice = await bearer(`alice-${randomUUID().slice(0, 6)}`);
    const bob = await bearer(`bob-${randomUUID().slice(0, 6)}`);
    const first = await dialogue(functions.urls, alice);
    const x = first.outcome.opinionChange.to as number;
    expect(x).not.toBe(MARA_BASELINE);

    const mine = await call(`${functions.urls.start}/v1/characters/${MARA}/memory`, 'GET', alice);
    expect(mine.status).toBe(200);
    expect(mine.body.relationship).toMatchObject({ opinion: x, dialogues: 1 });
    expect(mine.body.memories.map((m: { text: string }) => m.text)).toContain('They tried to buy me with silver.');

    const second = await call(`${functions.urls.start}/v1/dialogues`, 'POST', alice, {
      characterId: MARA,
      goalId: 'learn-rumour',
    });
    expect(second.status).toBe(201);
    expect(second.body.dialogue.participants.character.opinions.player).toBe(x);
    expect(second.body.greeting.text).toMatch(/^Back again\? Last time you /);
    const recalledText = (second.body.greeting.text as string)
      .replace(/^Back again\? Last time you /, 'They ')
      .split('.')[0];
    expect(mine.body.memories.map((m: { text: string }) => m.text.split('.')[0])).toContain(recalledText);

    const stranger = await call(`${functions.urls.start}/v1/dialogues`, 'POST', bob, {
      characterId: MARA,
      goalId: 'learn-rumour',
    });
    expect(stranger.body.dialogue.participants.character.opinions.player).toBe(MARA_BASELINE);
    expect(stranger.body.greeting.text).not.toContain('Back again');
    expect((await call(`${functions.urls.start}/v1/characters/${MARA}/memory`, 'GET', bob)).body).toEqual({
      relationship: null,
      memories: [],
    });

    const forgot = await call(`${functions.urls.start}/v1/characters/${MARA}/memory`, 'DELETE', alice);
    expect(forgot).toEqual({ status: 200, body: { forgotten: [MARA] } });
    const fresh = await call(`${functions.urls.start}/v1/dialogues`, 'POST', alice, {
      characterId: MARA,
      goalId: 'learn-rumour',
    });
    expect(fresh.body.dialogue.participants.character.opinions.player).toBe(MARA_BASELINE);
    expect(fresh.body.greeting.text).not.toContain('Back again');
    expect((await call(`${functions.urls.start}/v1/characters/${MARA}/memory`, 'GET', alice)).body).toEqual({
      relationship: null,
      memories: [],
    });
  });

  test('game-server routes: no token 401, a player token 403, the service token works', async () => {
    const playerId = `carol-${randomUUID().slice(0, 6)}`;
    const route = `${functions.urls.start}/v1/players/${playerId}/characters/${MARA}`;
    const service = { authorization: `Bearer ${GAME_TOKEN}` };
    const body = { text: 'The player saved my brother.', importance: 0.9, pinned: true };
    expect((await call(`${route}/memories`, 'POST', {}, body)).status).toBe(401);
    expect((await call(`${route}/memories`, 'POST', await bearer(playerId), body)).status).toBe(403);
    expect((await call(`${route}/memories`, 'GET', await bearer(playerId))).status).toBe(403);
    expect((await call(`${route}/memories`, 'POST', { authorization: 'Bearer not-the-token' }, body)).status).toBe(401);

    const added = await call(`${route}/memories`, 'POST', service, body);
    expect(added.status).toBe(201);
    expect(added.body.memory).toMatchObject({ text: body.text, pinned: true, source: 'game' });
    const id = added.body.memory.id as string;
    expect((await call(`${route}/memories/${id}`, 'PATCH', service, { importance: 0.5 })).body.memory.importance).toBe(
      0.5,
    );
    expect((await call(`${route}/relationship`, 'PUT', service, { opinion: 60 })).body.relationship.opinion).toBe(60);
    expect((await call(`${route}/memories/${randomUUID()}`, 'DELETE', service)).status).toBe(400);
    expect((await call(`${route}/memories/g-${randomUUID()}`, 'DELETE', service)).status).toBe(404);

    const started = await call(`${functions.urls.start}/v1/dialogues`, 'POST', await bearer(playerId), {
      characterId: MARA,
      goalId: 'learn-rumour',
    });
    expect(started.body.dialogue.participants.character.opinions.player).toBe(60);
    expect(started.body.greeting.text).toContain('The player saved my brother.');
    expect((await call(`${route}/memories/${id}`, 'DELETE', service)).status).toBe(204);
    expect((await call(`${route}/memories`, 'GET', service)).body.memories).toEqual([]);
  });

  test('memory survives a restart of every function, with the broker down all along', async () => {
    const dave = await bearer(`dave-${randomUUID().slice(0, 6)}`);
    const first = await dialogue(functions.urls, dave);
    const before = (await call(`${functions.urls.start}/v1/characters/${MARA}/memory`, 'GET', dave)).body;
    expect(before.memories.length).toBeGreaterThan(0);
    await functions.close();
    functions = await startFunctions();
    const after = (await call(`${functions.urls.start}/v1/characters/${MARA}/memory`, 'GET', dave)).body;
    expect(after).toEqual(before);
    const again = await call(`${functions.urls.start}/v1/dialogues`, 'POST', dave, {
      characterId: MARA,
      goalId: 'learn-rumour',
    });
    expect(again.body.dialogue.participants.character.opinions.player).toBe(first.outcome.opinionChange.to);
    // The character.memory events wait in the player's outbox for the broker.
    const pending = await new RedisMemoryStore({ redis: admin, keyPrefix }).pendingEvents(
      again.body.dialogue.playerId,
      100,
    );
    expect(pending.map((e) => e.type)).toContain('character.memory');
  });

  test('with no GAME_SERVICE_TOKEN configured the game-server routes are closed', async () => {
    const h = await startDialogueFunctions();
    try {
      const route = `${h.urls.start}/v1/players/erin/characters/${MARA}/memories`;
      expect((await call(route, 'GET', {})).status).toBe(401);
      expect((await call(route, 'GET', { authorization: 'Bearer anything-at-all-0123456789' })).status).toBe(401);
      expect(
        (await call(route, 'POST', { authorization: `Bearer ${GAME_TOKEN}` }, { text: 'x', importance: 1 })).status,
      ).toBe(401);
    } finally {
      await h.close();
    }
  });
});

describe('limits and expiry, on real Redis', () => {
  test('100 dialogues of one pair: within the cap, pinned survive, every prompt memory section within budget', async () => {
    const keyPrefix = newPrefix();
    const memoryStore = new RedisMemoryStore({ redis: admin, keyPrefix });
    const contextTokens = 1024;
    const budget = Math.floor(contextTokens * MEMORY_PROMPT_SHARE);
    const recalls: Recall[] = [];
    const gateway = new AiGateway({
      provider: new ScriptedProvider({ chunkDelayMs: 0 }),
      fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
      source: eventSource('ai-generate'),
      logger,
    });
    // The real gateway, watched: every reply prompt's recall section is recorded.
    const ai: AiClient = {
      run: (task, input, options) => gateway.run(task, input, options),
      stream: (task, input, options) => {
        const recall = (input as { recall?: Recall }).recall;
        if (task === 'dialogue.reply' && recall) recalls.push(recall);
        return gateway.stream(task, input, options);
      },
      turn(input, options) {
        return runTurnSteps(this, input, options);
      },
      ping: () => gateway.ping(),
    } as AiClient;
    const h = await startDialogueFunctions({ memoryStore, ai, contextTokens, gameServiceToken: GAME_TOKEN });
    try {
      const playerId = `frank-${randomUUID().slice(0, 6)}`;
      const auth = { 'x-player-id': playerId };
      const service = { authorization: `Bearer ${GAME_TOKEN}` };
      const pinned = await call(`${h.urls.start}/v1/players/${playerId}/characters/${MARA}/memories`, 'POST', service, {
        text: 'The player saved my brother.',
        importance: 0.1,
        pinned: true,
      });
      expect(pinned.status).toBe(201);
      for (let i = 0; i < 100; i++) await dialogue(h.urls, auth, i % 2 ? ['bribe'] : ['flatter', 'empathize']);
      const kept = (await call(`${h.urls.start}/v1/characters/${MARA}/memory`, 'GET', auth)).body;
      expect(kept.relationship.dialogues).toBe(100);
      expect(kept.memories.length).toBeLessThanOrEqual(50);
      expect(kept.memories.map((m: { id: string }) => m.id)).toContain(pinned.body.memory.id);
      expect(recalls.length).toBeGreaterThanOrEqual(100 * 2);
      const sections = recalls.map((r) =>
        r.memories.reduce((n, m) => n + estimateTokens(memoryPromptLine({ ...m } as never)), 0),
      );
      expect(Math.max(...sections)).toBeLessThanOrEqual(budget);
      expect(recalls.every((r) => r.memories.some((m) => m.id === pinned.body.memory.id))).toBe(true);
      console.log(
        `100 dialogues: ${kept.memories.length} memories kept (cap 50), largest prompt memory section ${Math.max(...sections)} of ${budget} tokens`,
      );
    } finally {
      await h.close();
    }
  });

  test('an idle dialogue that expires is remembered by the rules, and the memory outlives the dialogue', async () => {
    const keyPrefix = newPrefix();
    const store = new RedisDialogueStore({ redis: admin, keyPrefix, ttlSeconds: 1 });
    const memoryStore = new RedisMemoryStore({ redis: admin, keyPrefix });
    const h = await startDialogueFunctions({ store, memoryStore });
    try {
      const auth = { 'x-player-id': `gina-${randomUUID().slice(0, 6)}` };
      const started = await call(`${h.urls.start}/v1/dialogues`, 'POST', auth, {
        characterId: MARA,
        goalId: 'learn-rumour',
        strategyId: 'flatter',
      });
      const id = started.body.dialogue.id as string;
      await call(`${h.urls.message}/v1/dialogues/${id}/messages`, 'POST', auth, {
        messageId: 'm1',
        text: 'Your stew is famous.',
        strategyId: 'flatter',
      });
      // Wait for Redis's own clock to pass the deadline (what the sweeper waits for), then sweep.
      const deadline = Date.now() + 20_000;
      while (!(await store.expiredDialogues(10)).includes(id) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(await h.sweeper().sweep()).toBe(1);
      const memory = (await call(`${h.urls.start}/v1/characters/${MARA}/memory`, 'GET', auth)).body;
      expect(memory.relationship.lastOutcome).toMatchObject({ dialogueId: id, endedBy: 'timeout' });
      expect(memory.memories.map((m: { text: string }) => m.text)).toContain(
        'They tried to win me over with flattery.',
      );
      const resolve = h.events.find((e) => e.type === 'dialogue.resolve' && e.subject === id)!;
      expect((resolve.data as { memory: { written: unknown[] } }).memory.written.length).toBeGreaterThan(0);
      // The dialogue's keys are gone; the memory's are not.
      expect(await store.load(id)).toBeNull();
      expect(
        (await call(`${h.urls.start}/v1/dialogues`, 'POST', auth, { characterId: MARA, goalId: 'learn-rumour' })).body
          .greeting.text,
      ).toMatch(/^Back again\?/);
    } finally {
      await h.close();
    }
  });
});
