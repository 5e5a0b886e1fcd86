import { collectSse, type SseEvent } from './sse';

/** The urls of the three dialogue functions (see dialogue-harness.ts). */
export type DialogueUrls = { start: string; message: string; end: string };

export type DrivenDialogue = {
  dialogueId: string;
  /** Every HTTP answer's raw text, as a client received it. */
  bodies: string[];
  /** For each streamed answer: its deltas joined, and the reply it announced. */
  streamed: Array<{ deltas: string; reply: string }>;
  statuses: number[];
  /** The transcript as the player reads it just before the end. */
  turns: Array<{ speaker: string; text: string }>;
};

/**
 * A whole dialogue through the real routes: start (streamed), `turns` turns (even ones streamed,
 * odd ones as JSON; typed lines and chosen options in turn), then the end. Fails loudly on any
 * answer that is not a success.
 */
export async function driveDialogue(
  urls: DialogueUrls,
  options: {
    player: string;
    characterId: string;
    goalId: string;
    strategyId: string;
    turns: number;
    line?: (n: number) => string;
  },
): Promise<DrivenDialogue> {
  const headers = { 'content-type': 'application/json', 'x-player-id': options.player };
  const bodies: string[] = [];
  const streamed: DrivenDialogue['streamed'] = [];
  const statuses: number[] = [];

  const post = async (
    url: string,
    body: unknown,
    stream: boolean,
  ): Promise<{ status: number; json?: Record<string, unknown>; events?: SseEvent[] }> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, accept: stream ? 'text/event-stream' : 'application/json' },
      body: JSON.stringify(body),
    });
    statuses.push(res.status);
    if (!stream || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      const text = await res.text();
      bodies.push(text);
      if (res.status >= 300) throw new Error(`${url} answered ${res.status}: ${text}`);
      return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
    }
    const raw = await res.clone().text();
    bodies.push(raw);
    const events = await collectSse(res);
    const failed = events.find((e) => e.event === 'error');
    if (failed) throw new Error(`${url} streamed an error: ${JSON.stringify(failed.data)}`);
    const deltas = events.flatMap((e) => (e.event === 'delta' ? [(e.data as { text: string }).text] : [])).join('');
    const reply = events.find((e) => e.event === 'reply' || e.event === 'greeting')?.data as
      { text: string } | undefined;
    streamed.push({ deltas, reply: reply?.text ?? '' });
    return { status: res.status, events };
  };

  const started = await post(
    `${urls.start}/v1/dialogues`,
    { characterId: options.characterId, goalId: options.goalId },
    true,
  );
  const done = started.events!.find((e) => e.event === 'done')?.data as {
    dialogue: { id: string; options: Array<{ id: string }> };
  };
  const dialogueId = done.dialogue.id;
  let offered = done.dialogue.options;
  for (let n = 1; n <= options.turns; n++) {
    const body =
      n % 3 === 0 && offered[0]
        ? { messageId: `m-${n}`, optionId: offered[0].id }
        : {
            messageId: `m-${n}`,
            text: options.line?.(n) ?? `Turn ${n}: tell me more about the watchtower.`,
            strategyId: options.strategyId,
          };
    const answer = await post(`${urls.message}/v1/dialogues/${dialogueId}/messages`, body, n % 2 === 0);
    if (answer.json) offered = answer.json.options as Array<{ id: string }>;
    else offered = answer.events!.find((e) => e.event === 'options')?.data as Array<{ id: string }>;
  }
  const before = await fetch(`${urls.message}/v1/dialogues/${dialogueId}`, { headers });
  const beforeText = await before.text();
  bodies.push(beforeText);
  const turns = (JSON.parse(beforeText) as { dialogue: { turns: DrivenDialogue['turns'] } }).dialogue.turns;
  await post(`${urls.end}/v1/dialogues/${dialogueId}/end`, {}, false);
  const read = await fetch(`${urls.message}/v1/dialogues/${dialogueId}`, { headers });
  bodies.push(await read.text());
  return { dialogueId, bodies, streamed, statuses, turns };
}
