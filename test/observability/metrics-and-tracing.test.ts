import { randomBytes } from 'node:crypto';
import { startTracing } from '@parley/shared/composition';
import { startComposedDialogue } from '../support/composed-dialogue';
import { postJson } from '../support/http';
import { eventually } from '../support/amqp-test-kit';

const PLAYER = { 'x-player-id': 'obs-player' };
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

let system: Awaited<ReturnType<typeof startComposedDialogue>>;

beforeAll(async () => {
  // What runMain does in every bundle.
  startTracing('test');
  system = await startComposedDialogue();
});
afterAll(() => system.close());

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one sample line, e.g. `parley_turns_applied_total{character="innkeeper-mara"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('/metrics exposes HTTP, AI, turn, dialogue and outbox series after a dialogue', async () => {
  const started = await postJson(
    `${system.urls.start}/v1/dialogues`,
    { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
    PLAYER,
  );
  expect(started.status).toBe(201);
  const id = started.body.dialogue.id as string;
  for (const messageId of ['m1', 'm2']) {
    const turn = await postJson(
      `${system.urls.message}/v1/dialogues/${id}/messages`,
      { messageId, optionId: 'opt-1' },
      PLAYER,
    );
    expect(turn.status).toBe(200);
  }
  const ended = await postJson(`${system.urls.end}/v1/dialogues/${id}/end`, {}, PLAYER);
  expect(ended.status).toBe(200);

  const text = await scrape(system.urls.message);
  // Latency by route template and status: the id is not in the label.
  expect(
    sample(
      text,
      'parley_http_request_duration_seconds_count{method="POST",route="/v1/dialogues/:id/messages",status="200"}',
    ),
  ).toBe(2);
  expect(
    sample(text, 'parley_http_request_duration_seconds_count{method="POST",route="/v1/dialogues",status="201"}'),
  ).toBe(1);
  expect(text).not.toContain(id);
  expect(
    sample(text, 'parley_ai_call_duration_seconds_count{provider="scripted",task="dialogue.reply",ok="true"}'),
  ).toBe(3); // greeting + 2 turns
  expect(
    sample(text, 'parley_ai_call_duration_seconds_count{provider="scripted",task="dialogue.appraise",ok="true"}'),
  ).toBe(2);
  expect(
    sample(text, 'parley_ai_tokens_total{provider="scripted",task="dialogue.reply",kind="completion"}'),
  ).toBeGreaterThan(0);
  expect(sample(text, 'parley_turns_applied_total{character="innkeeper-mara"}')).toBe(2);
  expect(sample(text, 'parley_dialogues_started_total{character="innkeeper-mara"}')).toBe(1);
  expect(sample(text, 'parley_dialogues_ended_total{character="innkeeper-mara"}')).toBe(1);
  expect(sample(text, 'parley_active_dialogues')).toBe(0);
  // initiate + 2 progress + resolve went through the relay (published after each answer: waited for).
  await eventually(
    async () => sample(await scrape(system.urls.message), 'parley_outbox_published_total') ?? 0,
    (published) => published >= 4,
    'four events published by the relay',
  );
  expect(sample(text, 'parley_outbox_publish_failures_total')).toBe(0);
  expect(text).toContain('# TYPE parley_outbox_depth gauge');
  expect(text).toContain('parley_process_resident_memory_bytes');
});

test("a traceparent sent with a turn appears, same trace id, in that turn's events and AI calls", async () => {
  const started = await postJson(
    `${system.urls.start}/v1/dialogues`,
    { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
    PLAYER,
  );
  const id = started.body.dialogue.id as string;
  const traceId = hex(16);
  const callerSpan = hex(8);
  const turn = await postJson(
    `${system.urls.message}/v1/dialogues/${id}/messages`,
    { messageId: 'traced', text: 'Your stew is famous.', strategyId: 'flatter' },
    { ...PLAYER, traceparent: `00-${traceId}-${callerSpan}-01` },
  );
  expect(turn.status).toBe(200);
  expect(turn.headers.get('x-request-id')).toBeTruthy();

  // The turn answers once committed and its events are published after the answer: wait for them.
  const progress = await eventually(
    async () => system.events.find((e) => e.type === 'dialogue.progress' && e.subject === id && e.sequence === 1),
    (event) => event !== undefined,
    'the first dialogue.progress event',
  );
  expect(progress?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  // A real server span: the events name it, not the caller's span.
  expect(progress?.traceparent).not.toContain(callerSpan);
  const aiCalls = await eventually(
    async () =>
      system.events.filter(
        (e) => e.type === 'analytics.logging' && e.subject === id && e.traceparent?.includes(traceId),
      ),
    (calls) => calls.length >= 3,
    "the traced turn's three AI-call events",
  );
  expect(aiCalls.map((e) => (e.data as { task: string }).task).sort()).toEqual([
    'dialogue.appraise',
    'dialogue.options',
    'dialogue.reply',
  ]);

  // A request without one starts its own trace, which its events carry.
  const untraced = await postJson(
    `${system.urls.message}/v1/dialogues/${id}/messages`,
    { messageId: 'untraced', optionId: 'opt-1' },
    PLAYER,
  );
  expect(untraced.status).toBe(200);
  const second = await eventually(
    async () => system.events.find((e) => e.type === 'dialogue.progress' && e.subject === id && e.sequence === 2),
    (event) => event !== undefined,
    'the second dialogue.progress event',
  );
  expect(second?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  expect(second?.traceparent).not.toContain(traceId);
});
