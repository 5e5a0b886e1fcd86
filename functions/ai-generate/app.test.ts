import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParleyEvent, ruleBasedAppraisal } from '@parley/shared';
import { createLogger, ScriptedProvider, AiGateway } from '@parley/shared/composition';
import { readSseFrames } from '@parley/shared/http';
import { InProcessEventBus, sampleAppraiseInput, sampleReplyInput, sampleTurnInput } from '@parley/shared/testing';
import { createApp } from './app';

const logger = createLogger('ai-generate-test', 'silent');

async function start(options: { chunkDelayMs?: number; serviceToken?: string; frameMs?: number } = {}) {
  const bus = new InProcessEventBus();
  const events: ParleyEvent[] = [];
  const waiters: Array<() => void> = [];
  bus.subscribe(async (event) => {
    events.push(event);
    waiters.splice(0).forEach((w) => w());
  });
  const gateway = new AiGateway({
    provider: new ScriptedProvider({ chunkDelayMs: options.chunkDelayMs ?? 5 }),
    fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
    publisher: bus,
    source: '/parley/ai-generate',
    logger,
  });
  const app = createApp({
    gateway,
    logger,
    serviceToken: options.serviceToken,
    ...(options.frameMs === undefined ? {} : { frameMs: options.frameMs }),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const nextEvent = () => new Promise<void>((resolve) => waiters.push(resolve));
  return { url, server, gateway, events, nextEvent };
}

const servers: Server[] = [];
async function started(options?: Parameters<typeof start>[0]) {
  const s = await start(options);
  servers.push(s.server);
  return s;
}
afterAll(async () => {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise((resolve) => {
          s.close(resolve);
          s.closeAllConnections();
        }),
    ),
  );
});

const post = (url: string, task: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/tasks/${task}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('ai-generate app', () => {
  test('answers a structured task as JSON { output, meta }', async () => {
    const { url } = await started();
    const input = sampleAppraiseInput();
    const res = await post(url, 'dialogue.appraise', { input });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { output: unknown; meta: { provider: string; fallback: boolean } };
    expect(body.output).toEqual(ruleBasedAppraisal(input));
    expect(body.meta).toMatchObject({ provider: 'scripted', fallback: false });
  });

  test('unknown task 404, malformed body and invalid input 400', async () => {
    const { url } = await started();
    const unknown = await post(url, 'dialogue.dance', { input: {} });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'UnknownTask' } });
    const extra = await post(url, 'dialogue.appraise', { input: sampleAppraiseInput(), extra: 1 });
    expect(extra.status).toBe(400);
    const invalid = await post(url, 'dialogue.appraise', { input: { ...sampleAppraiseInput(), seed: -1 } });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: 'BadRequest' } });
  });

  test('streams a reply as SSE: the first delta arrives before the stream ends', async () => {
    const { url } = await started({ chunkDelayMs: 25 });
    const res = await post(url, 'dialogue.reply', { input: sampleReplyInput(), stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^event: delta\ndata: /);
    expect(first).not.toContain('event: done');
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    const frames: Array<{ event: string; data: string }> = [];
    const all = new Blob([first + rest]).stream();
    for await (const frame of readSseFrames(all)) frames.push(frame);
    const deltas = frames.filter((f) => f.event === 'delta').map((f) => (JSON.parse(f.data) as { text: string }).text);
    const done = frames.at(-1)!;
    expect(done.event).toBe('done');
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join('')).toBe((JSON.parse(done.data) as { output: { text: string } }).output.text);
  });

  test('a fast stream is framed: the first delta alone, the rest batched, all before done and equal to the output', async () => {
    const deltasOf = async (frameMs: number) => {
      const { url } = await started({ chunkDelayMs: 0, frameMs });
      const res = await post(url, 'dialogue.reply', { input: sampleReplyInput(), stream: true });
      const frames: Array<{ event: string; data: string }> = [];
      for await (const frame of readSseFrames(res.body!)) frames.push(frame);
      const done = frames.at(-1)!;
      expect(done.event).toBe('done');
      const text = (JSON.parse(done.data) as { output: { text: string } }).output.text;
      const deltas = frames
        .filter((f) => f.event === 'delta')
        .map((f) => (JSON.parse(f.data) as { text: string }).text);
      expect(deltas.join('')).toBe(text);
      return deltas;
    };
    // A window no test run outlasts: whatever the machine's speed, the frames are exactly these two.
    const framed = await deltasOf(60_000);
    const unframed = await deltasOf(0);
    expect(unframed.length).toBeGreaterThan(2);
    expect(framed).toEqual([unframed[0], unframed.slice(1).join('')]);
  });

  test('a turn frames its reply deltas the same way, each flushed before the reply event', async () => {
    const { url } = await started({ chunkDelayMs: 0, frameMs: 60_000 });
    const res = await post(url, 'dialogue.turn', { input: sampleTurnInput() });
    const frames: Array<{ event: string; data: string }> = [];
    for await (const frame of readSseFrames(res.body!)) frames.push(frame);
    expect(frames.map((f) => f.event)).toEqual(['appraisal', 'delta', 'delta', 'reply', 'options', 'done']);
    const deltas = frames.filter((f) => f.event === 'delta').map((f) => (JSON.parse(f.data) as { text: string }).text);
    const reply = JSON.parse(frames.find((f) => f.event === 'reply')!.data) as { output: { text: string } };
    expect(deltas.join('')).toBe(reply.output.text);
  });

  test('Accept: text/event-stream also streams; a structured task then sends one done event', async () => {
    const { url } = await started();
    const res = await post(url, 'dialogue.appraise', { input: sampleAppraiseInput() }, { accept: 'text/event-stream' });
    const frames: string[] = [];
    for await (const frame of readSseFrames(res.body!)) frames.push(frame.event);
    expect(frames).toEqual(['done']);
  });

  test('a client that goes away aborts the provider call', async () => {
    const { url, events, nextEvent } = await started({ chunkDelayMs: 40 });
    const controller = new AbortController();
    const reported = nextEvent();
    const res = await fetch(`${url}/v1/tasks/dialogue.reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: sampleReplyInput(), stream: true }),
      signal: controller.signal,
    });
    await res.body!.getReader().read();
    controller.abort();
    await reported;
    expect(events[0]?.data).toMatchObject({ task: 'dialogue.reply', ok: false });
  });

  test('with a service token configured, callers must present it', async () => {
    const token = 'a-very-secret-service-token';
    const { url } = await started({ serviceToken: token });
    const input = sampleAppraiseInput();
    expect((await post(url, 'dialogue.appraise', { input })).status).toBe(401);
    expect((await post(url, 'dialogue.appraise', { input }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(url, 'dialogue.appraise', { input }, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});
