/**
 * MAX_ACTIVE_DIALOGUES through the real dialogue routes on the real Redis store: a player at the cap
 * gets 429 TooManyDialogues (JSON and SSE), concurrent starts cannot overshoot it, ending frees a slot.
 */
import { randomUUID } from 'node:crypto';
import { RedisDialogueStore } from '@parley/shared/composition';
import { startDialogueFunctions } from '../support/dialogue-harness';
import { postJson } from '../support/http';
import { deleteKeysUnder, REDIS_URL } from '../support/redis-test-kit';

const CAP = 3;
const keyPrefix = `parley-test:cap:${randomUUID().slice(0, 8)}:`;
let store: RedisDialogueStore;
let fns: Awaited<ReturnType<typeof startDialogueFunctions>>;

const startBody = { characterId: 'innkeeper-mara', goalId: 'learn-rumour' };
const as = (playerId: string) => ({ 'x-player-id': playerId });
const start = (playerId: string) => postJson(`${fns.urls.start}/v1/dialogues`, startBody, as(playerId));

beforeAll(async () => {
  store = RedisDialogueStore.connect(REDIS_URL, { keyPrefix, ttlSeconds: 3600 });
  fns = await startDialogueFunctions({ store, maxActiveDialogues: CAP });
});
afterAll(async () => {
  await fns.close();
  await store.close();
  await deleteKeysUnder([keyPrefix]);
});

test('the player at the cap gets 429 TooManyDialogues; other players are unaffected; an end frees a slot', async () => {
  const started = [];
  for (let i = 0; i < CAP; i++) {
    const res = await start('player-a');
    expect(res.status).toBe(201);
    started.push(res.body.dialogue.id as string);
  }
  const initiatesBefore = fns.dialogueEvents().filter((e) => e.type === 'dialogue.initiate').length;
  const refused = await start('player-a');
  expect(refused.status).toBe(429);
  expect(refused.body.error).toMatchObject({ code: 'TooManyDialogues', details: { maxActiveDialogues: CAP } });

  // The SSE form is refused before the stream opens (and before any AI call): a plain 429.
  const sse = await fetch(`${fns.urls.start}/v1/dialogues`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...as('player-a') },
    body: JSON.stringify(startBody),
  });
  expect(sse.status).toBe(429);
  expect(await sse.json()).toMatchObject({ error: { code: 'TooManyDialogues' } });
  expect(fns.dialogueEvents().filter((e) => e.type === 'dialogue.initiate')).toHaveLength(initiatesBefore);
  expect(await store.activeDialogues('player-a')).toBe(CAP);

  expect((await start('player-b')).status).toBe(201);

  const end = await postJson(`${fns.urls.end}/v1/dialogues/${started[0]}/end`, {}, as('player-a'));
  expect(end.status).toBe(200);
  expect(await store.activeDialogues('player-a')).toBe(CAP - 1);
  expect((await start('player-a')).status).toBe(201);
  expect((await start('player-a')).status).toBe(429);
  console.log(
    `[security] cap ${CAP}: ${CAP} starts 201, the next 429 (JSON and SSE), another player 201, after an end 201 then 429 again`,
  );
});

test('20 concurrent starts by one player under a cap of 3: exactly 3 dialogues exist', async () => {
  const answers = await Promise.all(Array.from({ length: 20 }, () => start('player-race')));
  const statuses = answers.map((a) => a.status);
  const created = statuses.filter((s) => s === 201).length;
  expect(created).toBe(CAP);
  expect(statuses.filter((s) => s === 429)).toHaveLength(20 - CAP);
  expect(await store.activeDialogues('player-race')).toBe(CAP);
  console.log(
    `[security] 20 concurrent starts, cap ${CAP}: ${created} x 201, ${statuses.filter((s) => s === 429).length} x 429, 0 other`,
  );
});
