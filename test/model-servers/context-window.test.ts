/**
 * A long dialogue against a 4,096-token model: the loopback server enforces the window with an
 * independent tokenizer (gpt-tokenizer, o200k) and answers `context_length_exceeded` beyond it, as
 * real servers do. With AI_CONTEXT_TOKENS=4096 the gateway fits every prompt, the turns that left the
 * window are folded into a rolling summary kept in the dialogue state, and late prompts carry what
 * was said in the first turns.
 */
import { DialogueConfigSchema, readConfig } from '@parley/shared';
import { createAiClient, createLogger } from '@parley/shared/composition';
import { startDialogueFunctions } from '../support/dialogue-harness';
import { encode } from 'gpt-tokenizer';
import {
  FakeOpenAiServer,
  completion,
  defaultStructuredAnswer,
  parleyAnswers,
  type ReceivedChat,
} from '../support/fake-openai-server';
import { streamAnswer, tokens } from '../support/model-server-shapes';

const TURNS = Number(process.env.CONTEXT_TURNS ?? 500);
const CONTEXT = 4096;
const NAME_LINE = 'My name is Odo of Vellmark, and I owe you three silver.';
const words = 'watchtower crates dawn smuggler lantern magistrate cellar harbour ledger copper tavern wagon'.split(' ');
/** A long player line (about 650 o200k tokens), different every turn. */
function playerLine(n: number): string {
  let line = n === 1 ? `${NAME_LINE} ` : `Turn ${n}. `;
  for (let i = n; line.length < 1900; i++) line += `${words[i % words.length]}-${(i * 7919) % 10007} `;
  return line.trim();
}
const reply = (n: number) =>
  `Aye, turn ${n}. ${'The crates went up the tower at dawn, and the lantern stayed dark. '.repeat(12)}`.trim();

/** A summarizer that keeps every "My name is ..." sentence it has seen, and counts the folds. */
function summarize(call: ReceivedChat): string {
  const text = call.body.messages.map((m) => m.content).join('\n');
  const previous = /The summary of what was said before the lines above: (.*)\n/.exec(text)?.[1] ?? '';
  const names = new Set([...`${previous} ${text}`.matchAll(/My name is [^.,]+/g)].map((m) => m[0]));
  const folds = Number(/Folds: (\d+)/.exec(previous)?.[1] ?? 0) + 1;
  return `The player introduced themself: ${[...names].join('; ') || 'no name given'}. Folds: ${folds}.`;
}

/** Prompt tokens as OpenAI counts a chat (o200k): the content's tokens, 4 per message, 3 to prime the reply. */
const countPromptTokens = (messages: Array<{ content: string }>) =>
  messages.reduce((n, m) => n + 4 + encode(m.content).length, 3);

const model = new FakeOpenAiServer();
beforeAll(() => model.start());
afterAll(() => model.stop());

test(`${TURNS} turns against a ${CONTEXT}-token server: every turn applied, every request within the window, late prompts carry the rolling summary`, async () => {
  model.context = { tokens: CONTEXT, count: countPromptTokens };
  let n = 0;
  model.answerAll((call) => {
    if (call.kind === 'stream')
      return streamAnswer(
        'vllm',
        tokens(reply(n), 12).map((content) => ({ content })),
      );
    // A neutral appraisal: this test is about the window, and a character who likes the player a little less
    // every turn (the fake's default) would show the player the door at the opinion floor after 60 turns.
    if (call.kind === 'dialogue_appraise')
      return completion(JSON.stringify({ ...(defaultStructuredAnswer(call) as object), opinionDelta: 0 }));
    if (call.kind === 'dialogue_summarize') {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: [
          JSON.stringify({
            id: 'c',
            object: 'chat.completion',
            created: 1,
            model: 'm',
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: JSON.stringify({ summary: summarize(call) }) },
                finish_reason: 'stop',
              },
            ],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        ],
      };
    }
    return undefined;
  });
  const config = readConfig(DialogueConfigSchema, {
    AUTH_MODE: 'none',
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: model.url,
    AI_MODEL: 'test-model',
    AI_TIMEOUT_MS: '20000',
    AI_CONTEXT_TOKENS: String(CONTEXT),
  });
  const fns = await startDialogueFunctions({
    ai: createAiClient(config, undefined, createLogger('context-test', 'silent')),
  });
  try {
    const headers = { 'content-type': 'application/json', 'x-player-id': 'player-long' };
    const started = await fetch(`${fns.urls.start}/v1/dialogues`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ characterId: 'innkeeper-mara', goalId: 'learn-rumour' }),
    });
    expect(started.status).toBe(201);
    const id = ((await started.json()) as { dialogue: { id: string } }).dialogue.id;
    const failures: string[] = [];
    let version = 0;
    for (n = 1; n <= TURNS; n++) {
      const res = await fetch(`${fns.urls.message}/v1/dialogues/${id}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ messageId: `m-${n}`, text: playerLine(n), strategyId: 'flatter' }),
      });
      const body = (await res.json()) as { dialogue?: { version: number }; error?: { code: string } };
      if (res.status !== 200) failures.push(`turn ${n}: ${res.status} ${body.error?.code}`);
      else version = body.dialogue!.version;
    }
    expect(failures).toEqual([]);
    expect(version).toBe(TURNS);
    // No request ever went over the window by the server's own count, and none was refused.
    expect(model.largestRequest).toBeLessThanOrEqual(CONTEXT);
    const replies = model.received.filter((r) => r.kind === 'stream');
    for (const r of replies)
      expect(countPromptTokens(r.body.messages) + (r.body.max_tokens ?? 0)).toBeLessThanOrEqual(CONTEXT);
    // The late prompts remember turn 1 through the summary; turn 1's line itself is long gone from them.
    const late = replies.slice(-10).map((r) => r.body.messages.map((m) => m.content).join('\n'));
    for (const prompt of late) {
      expect(prompt).toContain('Earlier in this conversation:');
      expect(prompt).toContain('My name is Odo of Vellmark');
      expect(prompt).not.toContain(NAME_LINE);
    }
    const folds = Number(/Folds: (\d+)/.exec(late.at(-1)!)?.[1]);
    console.log(
      `[context] ${TURNS} turns, window ${CONTEXT}: largest request ${model.largestRequest} tokens (prompt + max_tokens, o200k), ${folds} summary folds, 0 failures`,
    );
    expect(folds).toBeGreaterThan(TURNS / 2);
  } finally {
    model.answerAll(parleyAnswers());
    model.context = undefined;
    await fns.close();
  }
}, 600_000);

test('a server whose window is smaller than configured answers context_length_exceeded: the window shrinks and the call is retried once', async () => {
  model.context = { tokens: CONTEXT, count: countPromptTokens };
  let n = 0;
  model.answerAll((call) =>
    call.kind === 'stream'
      ? streamAnswer(
          'llama.cpp',
          tokens(reply(n), 12).map((content) => ({ content })),
        )
      : undefined,
  );
  // Configured 60 % above what the server takes: the first try of a long prompt is refused.
  const config = readConfig(DialogueConfigSchema, {
    AUTH_MODE: 'none',
    AI_PROVIDER: 'openai',
    OPENAI_BASE_URL: model.url,
    AI_MODEL: 'test-model',
    AI_CONTEXT_TOKENS: String(Math.round(CONTEXT * 1.6)),
  });
  const fns = await startDialogueFunctions({
    ai: createAiClient(config, undefined, createLogger('context-test', 'silent')),
  });
  try {
    const headers = { 'content-type': 'application/json', 'x-player-id': 'player-shrink' };
    const started = await fetch(`${fns.urls.start}/v1/dialogues`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ characterId: 'innkeeper-mara', goalId: 'learn-rumour' }),
    });
    const id = ((await started.json()) as { dialogue: { id: string } }).dialogue.id;
    model.received.length = 0;
    const statuses: number[] = [];
    for (n = 1; n <= 8; n++) {
      const res = await fetch(`${fns.urls.message}/v1/dialogues/${id}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ messageId: `m-${n}`, text: playerLine(n), strategyId: 'flatter' }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array(8).fill(200));
    const refused = model.received.filter(
      (r) => r.kind === 'stream' && countPromptTokens(r.body.messages) + (r.body.max_tokens ?? 0) > CONTEXT,
    );
    // Some first tries were refused, each was retried smaller and answered.
    expect(refused.length).toBeGreaterThan(0);
  } finally {
    model.answerAll(parleyAnswers());
    model.context = undefined;
    await fns.close();
  }
});
