/**
 * The frontend routes (docs/api.md) through the real express apps of dialogue-start,
 * dialogue-message and dialogue-end: every route, every error status they can answer, and that
 * bad input changes no state and emits no event.
 */
import { AiFailed, AiTimeout, AiUnavailable, runTurnSteps, type AiClient } from '@parley/shared';
import { collectSse, readSse } from '../support/sse';
import { getJson, postJson } from '../support/http';
import { startDialogueFunctions } from '../support/dialogue-harness';

type Harness = Awaited<ReturnType<typeof startDialogueFunctions>>;
let h: Harness;

beforeAll(async () => {
  h = await startDialogueFunctions();
});
afterAll(async () => {
  await h.close();
});

async function start(
  body: unknown = { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
  headers = {},
) {
  return postJson(`${h.urls.start}/v1/dialogues`, body, headers);
}
const message = (id: string, body: unknown, headers = {}) =>
  postJson(`${h.urls.message}/v1/dialogues/${id}/messages`, body, headers);
const end = (id: string, body: unknown = {}, headers = {}) =>
  postJson(`${h.urls.end}/v1/dialogues/${id}/end`, body, headers);

/** Every bad request below must leave this unchanged. */
function footprint() {
  return JSON.stringify(h.dialogueEvents().map((e) => e.id));
}

describe('characters', () => {
  test('GET /v1/characters lists the catalog with goals and valid strategies, no private fields', async () => {
    const { status, body } = await getJson(`${h.urls.start}/v1/characters`);
    expect(status).toBe(200);
    expect(body.characters.length).toBeGreaterThanOrEqual(3);
    const mara = body.characters.find((c: { id: string }) => c.id === 'innkeeper-mara');
    expect(mara.goals.map((g: { id: string }) => g.id)).toEqual(['learn-rumour', 'free-room']);
    expect(mara.goals[0].strategies.map((s: { id: string }) => s.id)).toEqual(['flatter', 'bribe', 'empathize']);
    expect(JSON.stringify(body)).not.toMatch(/persona|secrets|watchtower three nights/);
  });

  test('GET /v1/characters/:id answers one character, 404 for an unknown one, 400 for a malformed id', async () => {
    expect((await getJson(`${h.urls.start}/v1/characters/captain-bram`)).body.character.name).toBe(
      'Captain Bram Holloway',
    );
    const missing = await getJson(`${h.urls.start}/v1/characters/nobody`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('CharacterNotFound');
    expect((await getJson(`${h.urls.start}/v1/characters/NOT_A_SLUG!`)).status).toBe(400);
  });
});

describe('POST /v1/dialogues', () => {
  test('201 with dialogue, greeting and options; emits dialogue.initiate', async () => {
    const before = h.dialogueEvents().length;
    const { status, body } = await start();
    expect(status).toBe(201);
    expect(body.dialogue).toMatchObject({
      characterId: 'innkeeper-mara',
      goalId: 'learn-rumour',
      strategyId: 'flatter',
      status: 'active',
      version: 0,
      turnCount: 0,
    });
    expect(body.greeting).toMatchObject({ seq: 0, speaker: 'character' });
    expect(body.greeting.text.length).toBeGreaterThan(0);
    expect(body.options.length).toBeGreaterThan(0);
    for (const option of body.options) expect(['flatter', 'bribe', 'empathize']).toContain(option.strategyId);
    const emitted = h.dialogueEvents().slice(before);
    expect(emitted.map((e) => [e.type, e.subject, e.sequence])).toEqual([['dialogue.initiate', body.dialogue.id, 0]]);
  });

  test('the strategy defaults to the goal’s first', async () => {
    const { body } = await start({ characterId: 'captain-bram', goalId: 'recruit' });
    expect(body.dialogue.strategyId).toBe('persuade');
  });

  test.each([
    [
      'an invalid goal',
      { characterId: 'innkeeper-mara', goalId: 'steal-stew' },
      422,
      'InvalidGoal',
      { validGoalIds: ['learn-rumour', 'free-room'] },
    ],
    [
      'a strategy not valid for the goal',
      { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'intimidate' },
      422,
      'InvalidStrategy',
      { validStrategyIds: ['flatter', 'bribe', 'empathize'] },
    ],
    ['an unknown character', { characterId: 'nobody', goalId: 'x' }, 404, 'CharacterNotFound', undefined],
    [
      'an unknown field',
      { characterId: 'innkeeper-mara', goalId: 'learn-rumour', admin: true },
      400,
      'BadRequest',
      undefined,
    ],
    ['a missing field', { characterId: 'innkeeper-mara' }, 400, 'BadRequest', undefined],
    ['malformed JSON', '{"characterId": "innkeeper-mara",', 400, 'BadRequest', undefined],
    [
      'a 1 MB body',
      { characterId: 'innkeeper-mara', goalId: 'learn-rumour', pad: 'x'.repeat(1024 * 1024) },
      413,
      'PayloadTooLarge',
      undefined,
    ],
  ])('%s gets %i and changes nothing', async (_name, body, status, code, details) => {
    const before = footprint();
    const res = await start(body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    if (details) expect(res.body.error.details).toEqual(details);
    expect(footprint()).toBe(before);
  });

  test('with Accept: text/event-stream the greeting streams: accepted, deltas, reply, options, done', async () => {
    const res = await fetch(`${h.urls.start}/v1/dialogues`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ characterId: 'scholar-ilse', goalId: 'borrow-map', strategyId: 'empathize' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const events = await collectSse(res);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('accepted');
    expect(names.filter((n) => n === 'delta').length).toBeGreaterThanOrEqual(2);
    expect(names.slice(-3)).toEqual(['reply', 'options', 'done']);
    const reply = events.find((e) => e.event === 'reply')!.data as { text: string };
    const streamed = events
      .filter((e) => e.event === 'delta')
      .map((e) => (e.data as { text: string }).text)
      .join('');
    expect(streamed).toBe(reply.text);
    const done = events.at(-1)!.data as { dialogue: { id: string; version: number } };
    expect(done.dialogue.version).toBe(0);
    expect((await getJson(`${h.urls.message}/v1/dialogues/${done.dialogue.id}`)).status).toBe(200);
  });
});

describe('GET /v1/dialogues/:id', () => {
  test('answers the state with the whole transcript; 404 unknown; 400 malformed id; 403 for another player', async () => {
    const { body } = await start(undefined, { 'x-player-id': 'alice' });
    const id = body.dialogue.id;
    const mine = await getJson(`${h.urls.message}/v1/dialogues/${id}`, { 'x-player-id': 'alice' });
    expect(mine.status).toBe(200);
    expect(mine.body.dialogue.turns).toEqual([body.greeting]);
    expect((await getJson(`${h.urls.message}/v1/dialogues/${id}`, { 'x-player-id': 'mallory' })).status).toBe(403);
    const unknown = await getJson(`${h.urls.message}/v1/dialogues/00000000-0000-4000-8000-000000000000`);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'DialogueNotFound']);
    expect((await getJson(`${h.urls.message}/v1/dialogues/not-a-uuid`)).status).toBe(400);
  });
});

describe('POST /v1/dialogues/:id/messages', () => {
  test('a turn by option and one by free text are applied; a replay returns the first answer and applies nothing', async () => {
    const { body: started } = await start();
    const id = started.dialogue.id;
    const byOption = await message(id, { messageId: 'm-1', optionId: started.options[0].id });
    expect(byOption.status).toBe(200);
    expect(byOption.body.playerTurn).toMatchObject({
      seq: 1,
      speaker: 'player',
      text: started.options[0].text,
      strategyId: started.options[0].strategyId,
      optionId: started.options[0].id,
    });
    expect(byOption.body.reply).toMatchObject({ seq: 1, speaker: 'character' });
    expect(byOption.body.dialogue.version).toBe(1);
    expect(byOption.body.changes.reasons.length).toBeGreaterThan(0);

    const byText = await message(id, {
      messageId: 'm-2',
      text: 'Your stew is the best on the moor road.',
      strategyId: 'flatter',
    });
    expect(byText.status).toBe(200);
    expect(byText.body.dialogue.version).toBe(2);
    expect(byText.body.replayed).toBe(false);

    const events = footprint();
    const replay = await message(id, {
      messageId: 'm-2',
      text: 'Your stew is the best on the moor road.',
      strategyId: 'flatter',
    });
    expect(replay.status).toBe(200);
    expect(replay.body.replayed).toBe(true);
    expect({ ...replay.body, replayed: false }).toEqual(byText.body);
    expect(footprint()).toBe(events);
    // The same messageId with a different body is refused, not answered with the old turn.
    for (const other of [
      { messageId: 'm-2', text: 'Something else entirely.', strategyId: 'flatter' },
      { messageId: 'm-2', text: 'Your stew is the best on the moor road.', strategyId: 'bribe' },
      { messageId: 'm-2', optionId: byText.body.options[0].id },
      { messageId: 'm-1', text: 'Your stew is the best on the moor road.' },
    ]) {
      const reused = await message(id, other);
      expect([reused.status, reused.body.error?.code, reused.body.error?.details]).toEqual([
        422,
        'IdempotencyKeyReused',
        { messageId: other.messageId },
      ]);
    }
    // Leaving the strategy out of a retry is still the same request.
    expect(
      (await message(id, { messageId: 'm-2', text: 'Your stew is the best on the moor road.' })).body.replayed,
    ).toBe(true);
    expect(footprint()).toBe(events);
    expect((await getJson(`${h.urls.message}/v1/dialogues/${id}`)).body.dialogue.version).toBe(2);
    const progress = h.dialogueEvents().filter((e) => e.subject === id && e.type === 'dialogue.progress');
    expect(progress.map((e) => e.sequence)).toEqual([1, 2]);
  });

  test.each([
    ['an option not offered', { messageId: 'x1', optionId: 'opt-9' }, 422, 'InvalidOption'],
    [
      'a strategy not valid for the goal',
      { messageId: 'x2', text: 'Hand it over.', strategyId: 'intimidate' },
      422,
      'InvalidStrategy',
    ],
    ['both optionId and text', { messageId: 'x3', optionId: 'opt-1', text: 'hi' }, 400, 'BadRequest'],
    ['neither optionId nor text', { messageId: 'x4' }, 400, 'BadRequest'],
    ['no messageId', { text: 'hi' }, 400, 'BadRequest'],
    ['blank text', { messageId: 'x5', text: '   ' }, 400, 'BadRequest'],
    ['an unknown field', { messageId: 'x6', text: 'hi', mood: 'happy' }, 400, 'BadRequest'],
    ['malformed JSON', '{"messageId":', 400, 'BadRequest'],
    ['a 1 MB body', { messageId: 'x7', text: 'x'.repeat(1024 * 1024) }, 413, 'PayloadTooLarge'],
  ])('%s gets %i and changes nothing', async (_name, body, status, code) => {
    const { body: started } = await start();
    const before = footprint();
    const res = await message(started.dialogue.id, body);
    expect([res.status, res.body.error.code]).toEqual([status, code]);
    expect(footprint()).toBe(before);
    expect((await getJson(`${h.urls.message}/v1/dialogues/${started.dialogue.id}`)).body.dialogue.version).toBe(0);
  });

  test('a message to an unknown dialogue is 404, to another player’s 403, to an ended one 409', async () => {
    const unknown = await message('00000000-0000-4000-8000-000000000000', { messageId: 'a', text: 'hello' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'DialogueNotFound']);
    const { body: started } = await start(undefined, { 'x-player-id': 'alice' });
    const theirs = await message(started.dialogue.id, { messageId: 'a', text: 'hello' }, { 'x-player-id': 'mallory' });
    expect([theirs.status, theirs.body.error.code]).toEqual([403, 'Forbidden']);
    expect((await end(started.dialogue.id, {}, { 'x-player-id': 'alice' })).status).toBe(200);
    const before = footprint();
    const ended = await message(started.dialogue.id, { messageId: 'b', text: 'hello?' }, { 'x-player-id': 'alice' });
    expect([ended.status, ended.body.error.code]).toEqual([409, 'DialogueEnded']);
    expect(footprint()).toBe(before);
  });

  test('with Accept: text/event-stream the turn streams: accepted, deltas, reply, changes, options, done', async () => {
    const { body: started } = await start();
    const res = await fetch(`${h.urls.message}/v1/dialogues/${started.dialogue.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ messageId: 'sse-1', text: 'Tell me about the tower, please.', strategyId: 'empathize' }),
    });
    const events = await collectSse(res);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('accepted');
    expect(events[0]!.data).toMatchObject({
      seq: 1,
      speaker: 'player',
      text: 'Tell me about the tower, please.',
      strategyId: 'empathize',
    });
    expect(names.filter((n) => n === 'delta').length).toBeGreaterThanOrEqual(2);
    expect(names.slice(-4)).toEqual(['reply', 'changes', 'options', 'done']);
    expect((events.at(-1)!.data as { dialogue: { version: number } }).dialogue.version).toBe(1);
  });

  test('a failure after the stream opened ends it with an error event and applies nothing', async () => {
    const failing = await startDialogueFunctions({
      ai: failingAfterFirstChunk(new AiFailed('provider broke mid-stream')),
    });
    try {
      const { body: started } = await postJson(`${failing.urls.start}/v1/dialogues`, {
        characterId: 'innkeeper-mara',
        goalId: 'learn-rumour',
      });
      const res = await fetch(`${failing.urls.message}/v1/dialogues/${started.dialogue.id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ messageId: 'e-1', text: 'Hello there.' }),
      });
      const events = await collectSse(res);
      expect(events.map((e) => e.event)).toEqual(['accepted', 'delta', 'error']);
      expect(events.at(-1)!.data).toEqual({ error: { code: 'AiFailed', message: 'provider broke mid-stream' } });
      expect((await getJson(`${failing.urls.message}/v1/dialogues/${started.dialogue.id}`)).body.dialogue.version).toBe(
        0,
      );
      expect(failing.dialogueEvents().filter((e) => e.type === 'dialogue.progress')).toEqual([]);
    } finally {
      await failing.close();
    }
  });

  test.each([
    [new AiUnavailable('AI gateway unreachable'), 503],
    [new AiTimeout('AI provider timed out'), 504],
    [new AiFailed('AI provider answered 500'), 502],
  ])('an AI failure (%s) answers %i in JSON mode, with nothing applied', async (error, status) => {
    const failing = await startDialogueFunctions({ ai: failingAfterFirstChunk(error) });
    try {
      const { body: started } = await postJson(`${failing.urls.start}/v1/dialogues`, {
        characterId: 'innkeeper-mara',
        goalId: 'learn-rumour',
      });
      const res = await postJson(`${failing.urls.message}/v1/dialogues/${started.dialogue.id}/messages`, {
        messageId: 'e-1',
        text: 'Hello.',
      });
      expect([res.status, res.body.error.code]).toEqual([status, error.code]);
      if (status === 503) expect(res.headers.get('retry-after')).toBe('1');
      expect((await getJson(`${failing.urls.message}/v1/dialogues/${started.dialogue.id}`)).body.dialogue.version).toBe(
        0,
      );
      // The lock was released: once the AI is back, the same message goes through.
    } finally {
      await failing.close();
    }
  });

  test('a second turn while one is in flight gets 409 TurnInFlight; the first still lands', async () => {
    const slow = await startDialogueFunctions({ chunkDelayMs: 40 });
    try {
      const { body: started } = await postJson(`${slow.urls.start}/v1/dialogues`, {
        characterId: 'captain-bram',
        goalId: 'pass-gate',
      });
      const url = `${slow.urls.message}/v1/dialogues/${started.dialogue.id}/messages`;
      const first = fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ messageId: 'first', text: 'I must get through tonight.' }),
      });
      const stream = readSse(await first);
      expect((await stream.next()).value?.event).toBe('accepted');
      const second = await postJson(url, { messageId: 'second', text: 'Open up!' });
      expect([second.status, second.body.error.code]).toEqual([409, 'TurnInFlight']);
      const rest: string[] = [];
      for await (const e of stream) rest.push(e.event);
      expect(rest.at(-1)).toBe('done');
      expect((await getJson(`${slow.urls.message}/v1/dialogues/${started.dialogue.id}`)).body.dialogue.version).toBe(1);
    } finally {
      await slow.close();
    }
  });

  test('a client that disconnects mid-stream aborts the turn: nothing applied, the dialogue goes on', async () => {
    const slow = await startDialogueFunctions({ chunkDelayMs: 40 });
    try {
      const { body: started } = await postJson(`${slow.urls.start}/v1/dialogues`, {
        characterId: 'captain-bram',
        goalId: 'pass-gate',
      });
      const id = started.dialogue.id;
      const controller = new AbortController();
      const res = await fetch(`${slow.urls.message}/v1/dialogues/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ messageId: 'gone', text: 'Wait, I will explain everything.' }),
        signal: controller.signal,
      });
      const stream = readSse(res);
      for (;;) {
        const next = await stream.next();
        if (next.value?.event === 'delta') break;
      }
      controller.abort();
      // Give the server time to notice the closed socket and release the turn.
      let next = await postJson(`${slow.urls.message}/v1/dialogues/${id}/messages`, {
        messageId: 'after',
        text: 'Let me try again.',
      });
      for (let i = 0; next.status === 409 && i < 50; i++) {
        await new Promise((r) => setTimeout(r, 100));
        next = await postJson(`${slow.urls.message}/v1/dialogues/${id}/messages`, {
          messageId: 'after',
          text: 'Let me try again.',
        });
      }
      expect(next.status).toBe(200);
      expect(next.body.playerTurn.seq).toBe(1);
      const transcript = (await getJson(`${slow.urls.message}/v1/dialogues/${id}`)).body.dialogue.turns;
      expect(transcript.map((t: { text: string }) => t.text)).not.toContain('Wait, I will explain everything.');
      expect(slow.dialogueEvents().filter((e) => e.type === 'dialogue.progress').length).toBe(1);
    } finally {
      await slow.close();
    }
  });
});

describe('POST /v1/dialogues/:id/end', () => {
  test('answers the outcome, emits dialogue.resolve, removes the live state; a replayed end returns the same outcome', async () => {
    const { body: started } = await start();
    const id = started.dialogue.id;
    await message(id, { messageId: 'e1', text: 'What a fine inn this is!', strategyId: 'flatter' });
    const res = await end(id, { reason: 'leaving for the tower' });
    expect(res.status).toBe(200);
    expect(res.body.outcome).toMatchObject({
      dialogueId: id,
      characterId: 'innkeeper-mara',
      goalId: 'learn-rumour',
      turnCount: 1,
      endedBy: 'player',
      reason: 'leaving for the tower',
    });
    expect(typeof res.body.outcome.summary).toBe('string');
    expect(await h.store.load(id)).toBeNull();
    const resolve = h.dialogueEvents().filter((e) => e.subject === id && e.type === 'dialogue.resolve');
    expect(resolve.map((e) => e.sequence)).toEqual([2]);
    const again = await end(id);
    expect(again.body.outcome).toEqual(res.body.outcome);
    expect(again.body.replayed).toBe(true);
    expect(h.dialogueEvents().filter((e) => e.subject === id && e.type === 'dialogue.resolve').length).toBe(1);
    const read = await getJson(`${h.urls.message}/v1/dialogues/${id}`);
    expect(read.body.dialogue.status).toBe('ended');
    expect(read.body.outcome).toEqual(res.body.outcome);
  });

  test('unknown dialogue 404, another player 403, bad body 400, 1 MB 413', async () => {
    expect((await end('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const { body: started } = await start(undefined, { 'x-player-id': 'alice' });
    expect((await end(started.dialogue.id, {}, { 'x-player-id': 'mallory' })).status).toBe(403);
    expect((await end(started.dialogue.id, { reason: 'x', extra: 1 }, { 'x-player-id': 'alice' })).status).toBe(400);
    expect(
      (await end(started.dialogue.id, { reason: 'x'.repeat(1024 * 1024) }, { 'x-player-id': 'alice' })).status,
    ).toBe(413);
    expect(await h.store.load(started.dialogue.id)).not.toBeNull();
  });
});

describe('every function', () => {
  test('answers /healthz and /readyz, and 404 with the error shape for an unknown route', async () => {
    for (const url of Object.values(h.urls)) {
      expect((await getJson(`${url}/healthz`)).status).toBe(200);
      const ready = await getJson(`${url}/readyz`);
      expect([ready.status, ready.body.checks.store]).toEqual([200, 'ok']);
      const missing = await getJson(`${url}/v2/nothing`);
      expect([missing.status, missing.body.error.code]).toEqual([404, 'NotFound']);
    }
  });
});

/** An AI that greets and proposes normally but fails every reply after its first chunk. */
function failingAfterFirstChunk(error: Error): AiClient {
  let calls = 0;
  return {
    async run(task) {
      if (task === 'dialogue.options')
        return { output: { options: [{ text: 'Hello.', strategyId: 'flatter' }] }, meta } as never;
      // The line is appraised before the reply: the failure under test is the reply's stream.
      if (task === 'dialogue.appraise')
        return {
          output: {
            emotion: 'calm',
            intensity: 0.3,
            valence: 0,
            opinionDelta: 0,
            goalProgressDelta: 0,
            reasons: ['fine'],
          },
          meta,
        } as never;
      throw error;
    },
    async *stream() {
      calls++;
      yield { type: 'delta', text: 'Well…' };
      if (calls === 1) {
        yield { type: 'done', output: { text: 'Well… welcome.' }, meta } as never;
        return;
      }
      throw error;
    },
    turn(input, options) {
      return runTurnSteps(this, input, options);
    },
    async ping() {},
  };
}
const meta = {
  provider: 'test',
  model: 'test',
  latencyMs: 0,
  usage: { prompt: 0, completion: 0, total: 0 },
  fallback: false,
};

describe('GET /v1/dialogues?status=active', () => {
  const list = (query: string, player: string) =>
    getJson(`${h.urls.start}/v1/dialogues${query}`, { 'x-player-id': player });

  it("lists the caller's own live dialogues only, a page at a time, and refuses other queries", async () => {
    const player = `lister-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await start(undefined, { 'x-player-id': player })).body.dialogue.id);
    await start(undefined, { 'x-player-id': `${player}-other` });
    expect((await end(ids[1]!, {}, { 'x-player-id': player })).status).toBe(200);
    const live = [ids[0]!, ids[2]!].sort();

    const first = await list('?status=active&limit=1', player);
    expect(first.status).toBe(200);
    expect(first.body.dialogues.map((d: { id: string }) => d.id)).toEqual([live[0]]);
    expect(first.body.dialogues[0]).toMatchObject({
      playerId: player,
      status: 'active',
      characterId: 'innkeeper-mara',
    });
    expect(first.body.next).toBe(live[0]);
    const second = await list(`?status=active&limit=1&after=${first.body.next}`, player);
    expect(second.body).toMatchObject({ dialogues: [{ id: live[1] }], next: null });
    expect((await list('?status=active', player)).body.dialogues).toHaveLength(2);
    expect((await list('?status=active', `${player}-nobody`)).body).toEqual({ dialogues: [], next: null });

    for (const query of [
      '',
      '?status=ended',
      '?status=active&limit=0',
      '?status=active&limit=101',
      '?status=active&after=nope',
      '?status=active&x=1',
    ]) {
      const refused = await list(query, player);
      expect([query, refused.status, refused.body.error.code]).toEqual([query, 400, 'BadRequest']);
    }
  });
});

describe('bodies that are not JSON', () => {
  it('answers 415 naming the header for a body without content-type: application/json; no body is fine', async () => {
    const body = JSON.stringify({ characterId: 'innkeeper-mara', goalId: 'learn-rumour' });
    for (const headers of [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
    ]) {
      const res = await fetch(`${h.urls.start}/v1/dialogues`, { method: 'POST', headers, body });
      const answer = (await res.json()) as { error: { code: string; message: string } };
      expect([res.status, answer.error.code]).toEqual([415, 'UnsupportedMediaType']);
      expect(answer.error.message).toContain('content-type: application/json');
    }
    // With the header, the same body starts a dialogue; an end with no body at all is fine.
    const started = await fetch(`${h.urls.start}/v1/dialogues`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
    });
    expect(started.status).toBe(201);
    const { dialogue } = (await started.json()) as { dialogue: { id: string } };
    expect((await fetch(`${h.urls.end}/v1/dialogues/${dialogue.id}/end`, { method: 'POST' })).status).toBe(200);
  });
});
