/**
 * The llama provider through the real ai-generate bundle and the real `npm start` bundle, on the
 * tiny stories260K model. Its text is not meant to be good; these tests prove the machinery.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppraiseOutputSchema, OptionsOutputSchema } from '@parley/shared';
import { sampleAppraiseInput, sampleOptionsInput, sampleReplyInput } from '@parley/shared/testing';
import { collectSse, readSse } from '../support/sse';
import {
  TINY_MODEL,
  buildBundle,
  repoRoot,
  startBundle,
  tinyModelPresent,
  waitReady,
  type Running,
} from '../support/llama-process';

if (!tinyModelPresent)
  console.warn(`llama provider tests SKIPPED: no model at ${TINY_MODEL} (see ../shared/models/README.md)`);
const describeWithModel = tinyModelPresent ? describe : describe.skip;
// The test character keeps no secrets (a short prompt for the tiny model), so its goals may reveal none either.
const withoutReveals = (goals: unknown) =>
  (goals as Record<string, unknown>[]).map((goal) => ({ ...goal, reveals: [] }));

const llamaEnv = (extra: Record<string, string> = {}) => ({
  AI_PROVIDER: 'llama',
  LLAMA_MODEL_PATH: TINY_MODEL,
  LLAMA_MAX_TOKENS: '48',
  LLAMA_CONTEXT_SIZE: '2048',
  ...extra,
});
// A short persona keeps the prompt (and so each test) small; the tiny model's tokenizer is 512 tokens.
const brief = { ...sampleReplyInput().character, persona: 'Bram guards the gate.', secrets: [] };
const reply = (playerText = 'Let me through.') => sampleReplyInput({ character: brief, playerText, history: [] });
const appraise = () => sampleAppraiseInput({ character: brief });
const options = () => ({ ...sampleOptionsInput(), character: brief, history: [] });
const task = (url: string, name: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${url}/v1/tasks/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

describeWithModel('llama provider through the ai-generate route', () => {
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let ai: Running;

  beforeAll(async () => {
    bundle = await buildBundle('ai-generate');
    // One sequence and one queue place: a third concurrent call must be refused.
    ai = await startBundle(bundle.file, llamaEnv({ LLAMA_PARALLEL: '1', LLAMA_QUEUE_LIMIT: '1' }));
    await waitReady(ai.url);
  }, 240_000); // a bundle build and a model load on a possibly busy 2-core machine
  afterAll(async () => {
    await ai?.stop();
    bundle?.cleanup();
  });

  test('a model that cannot load keeps readiness not-ready and calls answer 503', async () => {
    const broken = await startBundle(
      bundle.file,
      llamaEnv({ LLAMA_MODEL_PATH: `${__dirname}/llama-provider.test.ts` }),
    );
    try {
      let ready: Response;
      let body: { checks: { ai: string } };
      do {
        ready = await fetch(`${broken.url}/readyz`);
        body = (await ready.json()) as typeof body;
      } while (body.checks.ai.includes('still loading'));
      expect(ready.status).toBe(503);
      expect(body.checks.ai).toMatch(/failed to load/);
      const res = await task(broken.url, 'dialogue.reply', { input: reply() });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      await broken.stop();
    }
  });

  test('streams a reply chunk by chunk; the deltas make the final text', async () => {
    const res = await task(ai.url, 'dialogue.reply', { input: reply(), stream: true });
    expect(res.status).toBe(200);
    const events = await collectSse(res);
    const deltas = events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    const { output, meta } = done.data as {
      output: { text: string };
      meta: { provider: string; model: string; usage: { prompt: number; completion: number } };
    };
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(output.text);
    expect(meta).toMatchObject({ provider: 'llama', model: 'stories260K' });
    expect(meta.usage.prompt).toBeGreaterThan(0);
    expect(meta.usage.completion).toBeGreaterThan(0);
  });

  test('structured tasks come back schema-valid, generated under the JSON-schema grammar', async () => {
    const appraised = await task(ai.url, 'dialogue.appraise', { input: appraise() });
    expect(appraised.status).toBe(200);
    const a = (await appraised.json()) as {
      output: unknown;
      meta: { provider: string; usage: { completion: number }; fallback: boolean };
    };
    expect(AppraiseOutputSchema.safeParse(a.output).success).toBe(true);
    expect(a.meta.provider).toBe('llama');
    // The model did generate (the grammar makes it JSON; the tiny model's numbers may still be out of range -> fallback).
    expect(a.meta.usage.completion).toBeGreaterThan(0);
    const offered = await task(ai.url, 'dialogue.options', { input: options() });
    expect(offered.status).toBe(200);
    const o = (await offered.json()) as { output: unknown; meta: { fallback: boolean } };
    expect(OptionsOutputSchema.safeParse(o.output).success).toBe(true);
    console.log(`llama structured output: appraise fallback=${a.meta.fallback}, options fallback=${o.meta.fallback}`);
  });

  test('aborting mid-stream frees the only sequence: the next call is served', async () => {
    const controller = new AbortController();
    const res = await task(ai.url, 'dialogue.reply', { input: reply(), stream: true }, controller.signal);
    for await (const e of readSse(res)) {
      if (e.event === 'delta') break;
    }
    controller.abort();
    // With LLAMA_PARALLEL=1 a leaked sequence would leave this waiting until AI_TIMEOUT_MS (504).
    const next = await task(ai.url, 'dialogue.reply', { input: reply('Hello there.') });
    expect(next.status).toBe(200);
  });

  test('beyond LLAMA_PARALLEL calls queue; beyond the queue bound they get 503 with Retry-After', async () => {
    // Long generations (the tiny model writes ~1,000 tokens in seconds even on a busy machine), so all four calls
    // arrive while the first still holds the only sequence: the outcome does not depend on how fast the model is.
    const long = { prompt: 'Once upon a time', maxTokens: 1000 };
    const answers = await Promise.all([1, 2, 3, 4].map(() => task(ai.url, 'text.generate', { input: long })));
    const statuses = answers.map((r) => r.status).sort();
    console.log(`llama parallel=1 queue=1, 4 concurrent calls: ${statuses.join(', ')}`);
    // One generating and one queued are served; the rest are refused at once.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    for (const r of answers.filter((a) => a.status === 503)) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect(await r.json()).toMatchObject({ error: { code: 'AiUnavailable' } });
    }
  });

  test('memory stays bounded over 200 calls (RSS printed)', async () => {
    const call = () =>
      task(ai.url, 'text.generate', { input: { prompt: 'Once upon a time', maxTokens: 8 } }).then((r) => r.json());
    for (let i = 0; i < 20; i++) await call();
    const before = ai.rssMb();
    for (let i = 0; i < 200; i++) await call();
    const after = ai.rssMb();
    console.log(`llama RSS over 200 calls: ${before.toFixed(1)} MB -> ${after.toFixed(1)} MB`);
    expect(after - before).toBeLessThan(64);
  });
});

describeWithModel('npm start with AI_PROVIDER=llama', () => {
  test('a whole dialogue through the routes, the reply streamed', async () => {
    const bundle = await buildBundle('standalone');
    // The innkeeper with a one-line persona: the same routes, a prompt the tiny model reads quickly.
    const characters = mkdtempSync(path.join(os.tmpdir(), 'parley-llama-characters-'));
    const mara = JSON.parse(
      readFileSync(path.join(repoRoot, 'content/characters/innkeeper-mara.json'), 'utf8'),
    ) as Record<string, unknown>;
    writeFileSync(
      path.join(characters, 'innkeeper-mara.json'),
      JSON.stringify({ ...mara, persona: 'Mara keeps the inn.', secrets: [], goals: withoutReveals(mara.goals) }),
    );
    const app = await startBundle(
      bundle.file,
      llamaEnv({ AUTH_MODE: 'none', SCRIPTED_CHUNK_DELAY_MS: '0', CHARACTERS_DIR: characters }),
    );
    try {
      await waitReady(app.url);
      const json = { 'content-type': 'application/json' };
      const started = await fetch(`${app.url}/v1/dialogues`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' }),
      });
      expect(started.status).toBe(201);
      const { dialogue } = (await started.json()) as { dialogue: { id: string } };
      const turn = await fetch(`${app.url}/v1/dialogues/${dialogue.id}/messages`, {
        method: 'POST',
        headers: { ...json, accept: 'text/event-stream' },
        body: JSON.stringify({
          messageId: 'm1',
          text: 'Your stew is famous from here to the coast.',
          strategyId: 'flatter',
        }),
      });
      const all = await collectSse(turn);
      const events = all.map((e) => e.event);
      if (events.at(-1) === 'error') console.warn(JSON.stringify(all.at(-1)));
      expect(events[0]).toBe('accepted');
      expect(events).toContain('delta');
      expect(events.slice(-4)).toEqual(['reply', 'changes', 'options', 'done']);
      // Whatever the tiny model appraised, the rules bounded it and combined it: patience is kept,
      // and the same line said again earns no progress and costs patience.
      type Changes = {
        opinion: { delta: number };
        goalProgress: { delta: number };
        patience: { before: number; after: number };
      };
      const first = all.find((e) => e.event === 'changes')!.data as Changes;
      expect(Math.abs(first.opinion.delta)).toBeLessThanOrEqual(15);
      expect(Math.abs(first.goalProgress.delta)).toBeLessThanOrEqual(0.3);
      const again = await fetch(`${app.url}/v1/dialogues/${dialogue.id}/messages`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          messageId: 'm2',
          text: 'Your stew is famous from here to the coast.',
          strategyId: 'flatter',
        }),
      });
      expect(again.status).toBe(200);
      const second = ((await again.json()) as { changes: Changes }).changes;
      expect(second.goalProgress.delta).toBeLessThanOrEqual(0);
      expect(Math.abs(second.opinion.delta)).toBeLessThanOrEqual(15);
      expect(second.patience.after).toBeLessThan(second.patience.before);
      const ended = await fetch(`${app.url}/v1/dialogues/${dialogue.id}/end`, {
        method: 'POST',
        headers: json,
        body: '{}',
      });
      expect(ended.status).toBe(200);
      expect(await ended.json()).toMatchObject({ outcome: { dialogueId: dialogue.id, turnCount: 2 } });
    } finally {
      await app.stop();
      bundle.cleanup();
      rmSync(characters, { recursive: true, force: true });
    }
  }, 240_000); // a bundle build, a model load and three AI calls on a possibly busy 2-core machine
});
