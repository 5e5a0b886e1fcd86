/**
 * `Idempotency-Key` on `POST /v1/dialogues`, through the real dialogue-start app on real Redis: a retry
 * answers the same dialogue with the same status, another body under the key is 422
 * `IdempotencyKeyReused`, a streamed retry replays the stored greeting and options as one complete
 * stream, a retry after a dropped stream completes the dialogue the key claimed, and concurrent requests
 * with one key open one dialogue.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisDialogueStore } from '@parley/shared/composition';
import { startDialogueFunctions } from '../support/dialogue-harness';
import { postJson } from '../support/http';
import { REDIS_URL, deleteKeysUnder } from '../support/redis-test-kit';
import { collectSse, readSse } from '../support/sse';

const prefix = `parley-test:idem:${randomUUID()}:`;
let redis: Redis;
let h: Awaited<ReturnType<typeof startDialogueFunctions>>;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const store = new RedisDialogueStore({ redis, keyPrefix: prefix, ttlSeconds: 600 });
  // Chunks take a while, so concurrent requests overlap and a stream can be dropped mid-greeting.
  h = await startDialogueFunctions({ store, chunkDelayMs: 15 });
});

afterAll(async () => {
  await h.close();
  await deleteKeysUnder([prefix]);
  await redis.quit();
});

const body = { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' };
const headersFor = (player: string, key: string) => ({ 'x-player-id': player, 'idempotency-key': key });
type Started = { dialogue: { id: string }; greeting: { text: string }; options: unknown[] };

function streamedStart(player: string, key: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${h.urls.start}/v1/dialogues`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headersFor(player, key) },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

test('a retry with the same key answers the same dialogue and status, and opens no second one', async () => {
  const player = `p-${randomUUID().slice(0, 8)}`;
  const key = randomUUID();
  const first = await postJson(`${h.urls.start}/v1/dialogues`, body, headersFor(player, key));
  const again = await postJson(`${h.urls.start}/v1/dialogues`, body, headersFor(player, key));
  expect(first.status).toBe(201);
  expect(again.status).toBe(201);
  expect(again.body).toEqual(first.body);
  expect(await h.store.activeDialogues(player)).toBe(1);
  // Without a key every request is a new dialogue, as before.
  const plain = await postJson(`${h.urls.start}/v1/dialogues`, body, { 'x-player-id': player });
  expect(plain.status).toBe(201);
  expect((plain.body as Started).dialogue.id).not.toBe((first.body as Started).dialogue.id);
});

test('the same key with a different body is 422 IdempotencyKeyReused; another player may use the key', async () => {
  const player = `p-${randomUUID().slice(0, 8)}`;
  const key = randomUUID();
  const first = await postJson(`${h.urls.start}/v1/dialogues`, body, headersFor(player, key));
  expect(first.status).toBe(201);
  const other = await postJson(
    `${h.urls.start}/v1/dialogues`,
    { ...body, strategyId: 'bribe' },
    headersFor(player, key),
  );
  expect(other.status).toBe(422);
  expect(other.body.error.code).toBe('IdempotencyKeyReused');
  const someoneElse = await postJson(`${h.urls.start}/v1/dialogues`, body, headersFor(`${player}-b`, key));
  expect(someoneElse.status).toBe(201);
  expect((someoneElse.body as Started).dialogue.id).not.toBe((first.body as Started).dialogue.id);
});

test('a malformed key is 400', async () => {
  const res = await postJson(`${h.urls.start}/v1/dialogues`, body, headersFor('p-bad-key', 'x'.repeat(256)));
  expect(res.status).toBe(400);
});

test('a streamed retry replays the stored greeting and options as one complete stream', async () => {
  const player = `p-${randomUUID().slice(0, 8)}`;
  const key = randomUUID();
  const first = await postJson(`${h.urls.start}/v1/dialogues`, body, headersFor(player, key));
  const started = first.body as Started;
  const res = await streamedStart(player, key);
  expect(res.status).toBe(201);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events = await collectSse(res);
  expect(events.map((e) => e.event)).toEqual(['accepted', 'delta', 'reply', 'options', 'done']);
  expect(events[0]!.data).toMatchObject({ dialogueId: started.dialogue.id });
  expect(events[1]!.data).toEqual({ text: started.greeting.text });
  expect(events[2]!.data).toEqual(started.greeting);
  expect(events[3]!.data).toEqual(started.options);
  expect(events[4]!.data).toEqual({ dialogue: started.dialogue });
});

test('a retry after the stream dropped completes the dialogue the key claimed', async () => {
  const player = `p-${randomUUID().slice(0, 8)}`;
  const key = randomUUID();
  const controller = new AbortController();
  const res = await streamedStart(player, key, controller.signal);
  let claimedId: string | undefined;
  try {
    for await (const e of readSse(res)) {
      if (e.event === 'accepted') claimedId = (e.data as { dialogueId: string }).dialogueId;
      if (e.event === 'delta') break;
    }
  } finally {
    controller.abort();
  }
  expect(claimedId).toBeDefined();
  // The dropped request created nothing; the retry starts that same id and the store keeps one dialogue.
  const retry = await postJson(`${h.urls.start}/v1/dialogues`, body, headersFor(player, key));
  expect(retry.status).toBe(201);
  expect((retry.body as Started).dialogue.id).toBe(claimedId);
  expect(await h.store.activeDialogues(player)).toBe(1);
});

test('concurrent requests with one key open one dialogue and all answer it', async () => {
  const player = `p-${randomUUID().slice(0, 8)}`;
  const key = randomUUID();
  const answers = await Promise.all(
    Array.from({ length: 4 }, () => postJson(`${h.urls.start}/v1/dialogues`, body, headersFor(player, key))),
  );
  for (const answer of answers) expect(answer.status).toBe(201);
  const ids = new Set(answers.map((a) => (a.body as Started).dialogue.id));
  expect(ids.size).toBe(1);
  expect(await h.store.activeDialogues(player)).toBe(1);
  const greetings = new Set(answers.map((a) => (a.body as Started).greeting.text));
  expect(greetings.size).toBe(1);
  // Every loser's create wrote nothing: one dialogue.initiate went out.
  const initiated = h
    .dialogueEvents()
    .filter((e) => e.type === 'dialogue.initiate' && ids.has((e.data as { dialogueId: string }).dialogueId));
  expect(initiated).toHaveLength(1);
});
