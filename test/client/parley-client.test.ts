/**
 * @parley/client against the real `npm start` bundle: every call, typed stream events, typed
 * errors with the server's code, abort, and the built bundle (no zod in it) working in Node.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParleyApiError, createParleyClient, type MessageEvent, type StartEvent } from '../../client/src';
import { ROOT, buildClient, buildStandalone, startStandalone } from '../support/standalone-process';

let server: Awaited<ReturnType<typeof startStandalone>>;
beforeAll(async () => {
  buildStandalone();
  buildClient();
  server = await startStandalone({ SCRIPTED_CHUNK_DELAY_MS: '5' });
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const start = { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' };

test('a start retried with its idempotency key answers the same dialogue, streamed or not', async () => {
  const client = createParleyClient({ baseUrl: server.url, playerId: 'client-idempotency' });
  const idempotencyKey = `start-${Date.now()}`;
  const first = await client.startDialogue(start, { idempotencyKey });
  const again = await client.startDialogue(start, { idempotencyKey });
  expect(again).toEqual(first);
  const events: StartEvent[] = [];
  for await (const e of client.startDialogue(start, { idempotencyKey, stream: true })) events.push(e);
  expect(events.map((e) => e.event)).toEqual(['accepted', 'delta', 'reply', 'options', 'done']);
  const done = events.at(-1)!;
  expect(done.event === 'done' && done.data.dialogue.id).toBe(first.dialogue.id);
  const other = await client.startDialogue(start);
  expect(other.dialogue.id).not.toBe(first.dialogue.id);
  const reused = await client
    .startDialogue({ ...start, strategyId: 'bribe' }, { idempotencyKey })
    .catch((e: unknown) => e);
  expect(reused).toBeInstanceOf(ParleyApiError);
  expect(reused).toMatchObject({ status: 422, code: 'IdempotencyKeyReused' });
});

test('a whole dialogue: list, start, message (JSON and stream), read, end', async () => {
  const client = createParleyClient({ baseUrl: `${server.url}/`, playerId: 'client-test' });
  const characters = await client.listCharacters();
  expect(characters.map((c) => c.id)).toContain('innkeeper-mara');
  expect((await client.getCharacter('captain-bram')).name).toBe('Captain Bram Holloway');

  const started = await client.startDialogue(start);
  expect(started.dialogue).toMatchObject({ playerId: 'client-test', status: 'active', version: 0 });
  const first = await client.sendMessage(started.dialogue.id, { optionId: started.options[0]!.id });
  expect(first).toMatchObject({ replayed: false, reply: { speaker: 'character' } });

  const events: MessageEvent[] = [];
  for await (const e of client.sendMessage(
    started.dialogue.id,
    { text: 'Your stew is famous.', strategyId: 'flatter' },
    { stream: true },
  ))
    events.push(e);
  const names = events.map((e) => e.event);
  expect(names[0]).toBe('accepted');
  expect(names.filter((n) => n === 'delta').length).toBeGreaterThan(1);
  expect(names.slice(-4)).toEqual(['reply', 'changes', 'options', 'done']);
  const reply = events.find((e) => e.event === 'reply')!;
  const deltas = events.flatMap((e) => (e.event === 'delta' ? [e.data.text] : [])).join('');
  expect(reply.event === 'reply' && reply.data.text).toBe(deltas);

  const read = await client.getDialogue(started.dialogue.id);
  expect('turns' in read.dialogue && read.dialogue.turns.length).toBe(5);
  const ended = await client.endDialogue(started.dialogue.id, { reason: 'client test' });
  expect(ended.outcome).toMatchObject({
    dialogueId: started.dialogue.id,
    turnCount: 2,
    endedBy: 'player',
    reason: 'client test',
  });
  const after = await client.getDialogue(started.dialogue.id);
  expect('outcome' in after && after.outcome.goalId).toBe('learn-rumour');

  const page = await client.devEvents(0);
  expect(page.events.map((e) => e.type)).toEqual(
    expect.arrayContaining(['dialogue.initiate', 'dialogue.progress', 'dialogue.resolve', 'character.memory']),
  );

  const memory = await client.getMemory('innkeeper-mara');
  expect(memory.relationship).toMatchObject({ dialogues: 1, opinion: ended.outcome.opinionChange.to });
  expect(memory.memories.length).toBeGreaterThan(0);
  expect(await client.forgetMe('innkeeper-mara')).toEqual({ forgotten: ['innkeeper-mara'] });
  expect(await client.getMemory('innkeeper-mara')).toEqual({ relationship: null, memories: [] });
  expect(await client.forgetMe()).toEqual({ forgotten: [] });
});

test('start as a stream: accepted, deltas, reply, options, done', async () => {
  const client = createParleyClient({ baseUrl: server.url });
  const events: StartEvent[] = [];
  for await (const e of client.startDialogue(start, { stream: true })) events.push(e);
  expect(events[0]!.event).toBe('accepted');
  expect(events.map((e) => e.event).slice(-3)).toEqual(['reply', 'options', 'done']);
});

test('errors carry the server status, code and details', async () => {
  const client = createParleyClient({ baseUrl: server.url });
  const invalid = await client.startDialogue({ ...start, strategyId: 'intimidate' }).catch((e: unknown) => e);
  expect(invalid).toBeInstanceOf(ParleyApiError);
  expect(invalid).toMatchObject({
    status: 422,
    code: 'InvalidStrategy',
    details: { validStrategyIds: ['flatter', 'bribe', 'empathize'] },
  });
  await expect(client.getCharacter('nobody')).rejects.toMatchObject({ status: 404, code: 'CharacterNotFound' });
  const { dialogue } = await client.startDialogue(start);
  await client.endDialogue(dialogue.id);
  // Before the stream opens, an error is thrown from the iteration.
  const stream = client.sendMessage(dialogue.id, { text: 'hello?' }, { stream: true });
  await expect(
    (async () => {
      for await (const _ of stream) void _;
    })(),
  ).rejects.toMatchObject({ status: 409, code: 'DialogueEnded' });
  const other = createParleyClient({ baseUrl: server.url, playerId: 'someone-else' });
  await expect(other.getDialogue(dialogue.id)).rejects.toMatchObject({ status: 403 });
});

test('an AbortSignal stops a streamed turn, which is then not applied', async () => {
  const client = createParleyClient({ baseUrl: server.url, playerId: 'aborter' });
  const { dialogue } = await client.startDialogue(start);
  const controller = new AbortController();
  const seen: string[] = [];
  const run = (async () => {
    for await (const e of client.sendMessage(
      dialogue.id,
      { messageId: 'abort-1', text: 'A long story, please.' },
      { stream: true, signal: controller.signal },
    )) {
      seen.push(e.event);
      if (e.event === 'delta') controller.abort();
    }
  })();
  await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  expect(seen).toContain('delta');
  // The server gives up the turn; the dialogue is unchanged.
  let read = await client.getDialogue(dialogue.id);
  for (let i = 0; i < 50 && 'turns' in read.dialogue && read.dialogue.version !== 0; i++)
    read = await client.getDialogue(dialogue.id);
  expect('turns' in read.dialogue && read.dialogue.turnCount).toBe(0);
});

test('the built bundle has no zod, no dependency, and runs in Node with an injected fetch', async () => {
  const esm = readFileSync(join(ROOT, 'client', 'dist', 'index.js'), 'utf8');
  expect(esm).not.toMatch(/zod|toJSONSchema|require\(/);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'client', 'package.json'), 'utf8'));
  expect(pkg.name).toBe('@parley/client');
  expect(pkg.dependencies).toBeUndefined();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const built = require(join(ROOT, 'client', 'dist', 'index.cjs')) as { createParleyClient: typeof createParleyClient };
  const calls: string[] = [];
  const client = built.createParleyClient({
    baseUrl: server.url,
    token: 'tok',
    fetch: (input, init) => {
      calls.push(`${init?.method} ${String(input)} ${new Headers(init?.headers).get('authorization')}`);
      return fetch(input, init);
    },
  });
  expect((await client.listCharacters()).length).toBeGreaterThan(0);
  expect(calls).toEqual([`GET ${server.url}/v1/characters Bearer tok`]);
});
