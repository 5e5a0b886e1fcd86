/**
 * Limits a player meets on a turn, through the real routes: a turn refused because another is in
 * flight says when to retry (409 + Retry-After), and the player's line is measured in code points
 * (2,000, emoji and accents counting one each) with an 8 kB UTF-8 cap.
 */
import { startDialogueFunctions } from '../support/dialogue-harness';
import { postJson } from '../support/http';
import { readSse } from '../support/sse';

const player = { 'x-player-id': 'player-limits' };

test('409 TurnInFlight carries Retry-After (the end route too)', async () => {
  const slow = await startDialogueFunctions({ chunkDelayMs: 40 });
  try {
    const { body: started } = await postJson(
      `${slow.urls.start}/v1/dialogues`,
      { characterId: 'captain-bram', goalId: 'pass-gate' },
      player,
    );
    const id = started.dialogue.id as string;
    const url = `${slow.urls.message}/v1/dialogues/${id}/messages`;
    const first = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...player },
      body: JSON.stringify({ messageId: 'first', text: 'I must get through tonight.' }),
    });
    const stream = readSse(first);
    expect((await stream.next()).value?.event).toBe('accepted');
    for (const [target, body] of [
      [url, { messageId: 'second', text: 'Open up!' }],
      [`${slow.urls.end}/v1/dialogues/${id}/end`, {}],
    ] as const) {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...player },
        body: JSON.stringify(body),
      });
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([
        409,
        'TurnInFlight',
      ]);
      expect(res.headers.get('retry-after')).toBe('1');
    }
    for await (const _ of stream) {
      // drain: the first turn lands
    }
  } finally {
    await slow.close();
  }
});

describe('the player line limit counts code points, with a byte cap', () => {
  let h: Awaited<ReturnType<typeof startDialogueFunctions>>;
  beforeAll(async () => {
    h = await startDialogueFunctions();
  });
  afterAll(() => h.close());

  const send = async (text: string, n: number) => {
    const { body: started } = await postJson(
      `${h.urls.start}/v1/dialogues`,
      { characterId: 'captain-bram', goalId: 'pass-gate' },
      player,
    );
    return postJson(
      `${h.urls.message}/v1/dialogues/${started.dialogue.id}/messages`,
      { messageId: `m-${n}`, text, strategyId: 'persuade' },
      player,
    );
  };

  test.each([
    ['2,000 emoji (4,000 UTF-16 units, 8,000 bytes): 200', '🙂'.repeat(2000), 200],
    ['2,000 letters: 200', 'a'.repeat(2000), 200],
    ['2,001 letters: 400', 'a'.repeat(2001), 400],
    ['2,001 emoji: 400', '🙂'.repeat(2001), 400],
  ])('%s', async (_name, text, status) => {
    const res = await send(text, text.length);
    expect(res.status).toBe(status);
    if (status === 200) expect(res.body.playerTurn.text).toBe(text);
    else expect(res.body.error.code).toBe('BadRequest');
  });
});
