import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Aborted,
  AiFailed,
  AiTimeout,
  AiUnavailable,
  BadRequest,
  UnknownTask,
  ruleBasedAppraisal,
  type AiProvider,
  type AiStreamEvent,
  type DialogueTurnEvent,
  type ParleyEvent,
  type TextChunk,
  type TokenUsage,
} from '@parley/shared';
import { AiGateway, HttpAiClient, ScriptedProvider, createLogger } from '@parley/shared/composition';
import { InProcessEventBus, sampleAppraiseInput, sampleReplyInput, sampleTurnInput } from '@parley/shared/testing';
import { createApp } from './app';

const logger = createLogger('http-ai-client-test', 'silent');

/** Streams two chunks, then fails as an upstream model would (no real LLM runs here). */
class FailingMidStream implements AiProvider {
  readonly name = 'failing';
  readonly model = 'failing-1';
  async *streamText(): AsyncIterable<TextChunk> {
    yield { text: 'I was about ' };
    yield { text: 'to say ' };
    throw new AiTimeout('model went silent');
  }
  async generateJson(): Promise<{ value: unknown; usage: TokenUsage }> {
    throw new AiUnavailable('model is down');
  }
  async ping(): Promise<void> {}
}

const servers: Server[] = [];
async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function gatewayUrl(provider: AiProvider = new ScriptedProvider({ chunkDelayMs: 10 }), frameMs?: number) {
  const bus = new InProcessEventBus();
  const events: ParleyEvent[] = [];
  bus.subscribe(async (e) => {
    events.push(e);
  });
  const gateway = new AiGateway({
    provider,
    fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
    publisher: bus,
    source: '/parley/ai-generate',
    logger,
  });
  const app = createApp({ gateway, logger, ...(frameMs === undefined ? {} : { frameMs }) });
  return { url: await listen(createServer(app)), gateway, events };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

describe('HttpAiClient against the ai-generate app', () => {
  test('run returns the validated output and meta', async () => {
    const { url } = await gatewayUrl();
    const client = new HttpAiClient({ baseUrl: url });
    const input = sampleAppraiseInput();
    const { output, meta } = await client.run('dialogue.appraise', input);
    expect(output).toEqual(ruleBasedAppraisal(input));
    expect(meta).toMatchObject({ provider: 'scripted', fallback: false });
    await expect(client.ping()).resolves.toBeUndefined();
  });

  test('stream yields the deltas as they arrive, then done; the traceparent travels', async () => {
    const { url, gateway, events } = await gatewayUrl();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const stream = new HttpAiClient({ baseUrl: `${url}/` }).stream('dialogue.reply', sampleReplyInput(), {
      traceparent,
    });
    const got: AiStreamEvent<'dialogue.reply'>[] = await collect(stream);
    const deltas = got.filter((e) => e.type === 'delta');
    const done = got.at(-1);
    expect(deltas.length).toBeGreaterThan(2);
    expect(done?.type).toBe('done');
    expect(done?.type === 'done' && done.output.text).toBe(deltas.map((d) => d.type === 'delta' && d.text).join(''));
    await gateway.drain();
    expect(events[0]).toMatchObject({ traceparent, data: { task: 'dialogue.reply', ok: true } });
  });

  test("the gateway's errors come back typed: before the stream and inside it", async () => {
    const { url } = await gatewayUrl(new FailingMidStream());
    const client = new HttpAiClient({ baseUrl: url });
    await expect(client.run('dialogue.appraise', sampleAppraiseInput())).rejects.toBeInstanceOf(AiUnavailable);
    await expect(client.run('dialogue.appraise', { ...sampleAppraiseInput(), goalProgress: 3 })).rejects.toBeInstanceOf(
      BadRequest,
    );
    await expect(client.run('dialogue.nothing' as 'dialogue.appraise', sampleAppraiseInput())).rejects.toBeInstanceOf(
      UnknownTask,
    );
    const seen: string[] = [];
    const run = async () => {
      for await (const e of client.stream('dialogue.reply', sampleReplyInput()))
        if (e.type === 'delta') seen.push(e.text);
    };
    await expect(run()).rejects.toBeInstanceOf(AiTimeout);
    // The gateway's filter holds a trailing blank until the next word comes.
    expect(seen).toEqual(['I was about', ' to say']);
  });

  test('aborting the signal mid-stream rejects with Aborted and stops the gateway call', async () => {
    const { url, gateway, events } = await gatewayUrl(new ScriptedProvider({ chunkDelayMs: 30 }));
    const controller = new AbortController();
    const run = async () => {
      for await (const e of new HttpAiClient({ baseUrl: url }).stream('dialogue.reply', sampleReplyInput(), {
        signal: controller.signal,
      })) {
        if (e.type === 'delta') controller.abort();
      }
    };
    await expect(run()).rejects.toBeInstanceOf(Aborted);
    while (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await gateway.drain();
    expect(events[0]?.data).toMatchObject({ ok: false });
  });

  test('an unreachable gateway is AiUnavailable; a silent one AiTimeout', async () => {
    const closed = createServer();
    const closedUrl = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      new HttpAiClient({ baseUrl: closedUrl }).run('dialogue.appraise', sampleAppraiseInput()),
    ).rejects.toBeInstanceOf(AiUnavailable);
    await expect(new HttpAiClient({ baseUrl: closedUrl }).ping()).rejects.toBeInstanceOf(AiUnavailable);

    const silentUrl = await listen(createServer(() => undefined));
    const client = new HttpAiClient({ baseUrl: silentUrl, timeoutMs: 200 });
    await expect(client.run('dialogue.appraise', sampleAppraiseInput())).rejects.toBeInstanceOf(AiTimeout);
    await expect(collect(client.stream('dialogue.reply', sampleReplyInput()))).rejects.toBeInstanceOf(AiTimeout);
  });

  test('sends the service token when given one', async () => {
    const token = 'a-very-secret-service-token';
    const gateway = new AiGateway({
      provider: new ScriptedProvider({ chunkDelayMs: 0 }),
      fallback: new ScriptedProvider(),
      source: '/parley/t',
      logger,
    });
    const url = await listen(createServer(createApp({ gateway, logger, serviceToken: token })));
    await expect(
      new HttpAiClient({ baseUrl: url }).run('dialogue.appraise', sampleAppraiseInput()),
    ).rejects.toMatchObject({ code: 'Unauthorized' });
    await expect(
      new HttpAiClient({ baseUrl: url, serviceToken: token }).run('dialogue.appraise', sampleAppraiseInput()),
    ).resolves.toHaveProperty('output');
  });
});

describe('dialogue.turn: one request for the whole turn', () => {
  const meta = {
    provider: 'raw',
    model: 'raw',
    latencyMs: 0,
    usage: { prompt: 0, completion: 0, total: 0 },
    fallback: false,
  };
  const appraisal = `event: appraisal\ndata: ${JSON.stringify({ output: ruleBasedAppraisal(sampleAppraiseInput()), meta })}\n\n`;
  /** A server that answers every request with `body` as an event stream. */
  const rawGateway = (body: string) =>
    listen(
      createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(body);
      }),
    );
  const shape = (events: DialogueTurnEvent[]) =>
    events.map((e) => ('output' in e ? { type: e.type, output: e.output } : e));

  test('streams appraisal, the deltas, reply, options and done in one request, as the in-process gateway runs it', async () => {
    // One frame per delta: the events over HTTP are then the in-process gateway's, one for one.
    const { url, gateway } = await gatewayUrl(new ScriptedProvider({ chunkDelayMs: 0 }), 0);
    let requests = 0;
    servers.at(-1)!.on('request', () => requests++);
    const got = await collect(new HttpAiClient({ baseUrl: url }).turn(sampleTurnInput()));
    expect(requests).toBe(1);
    expect([...new Set(got.map((e) => e.type))]).toEqual(['appraisal', 'delta', 'reply', 'options', 'done']);
    const reply = got.find((e) => e.type === 'reply');
    const deltas = got.flatMap((e) => (e.type === 'delta' ? [e.text] : []));
    expect(reply?.type === 'reply' && reply.output.text).toBe(deltas.join(''));
    expect(shape(got)).toEqual(shape(await collect(gateway.turn(sampleTurnInput()))));
  });

  test('a malformed event, a stream that ends before done, and a bad input are clear errors', async () => {
    const truncated = await rawGateway(appraisal);
    await expect(collect(new HttpAiClient({ baseUrl: truncated }).turn(sampleTurnInput()))).rejects.toBeInstanceOf(
      AiFailed,
    );
    const malformed = await rawGateway(`${appraisal}event: reply\ndata: {"output":{"text":""},"meta":{}}\n\n`);
    await expect(collect(new HttpAiClient({ baseUrl: malformed }).turn(sampleTurnInput()))).rejects.toBeInstanceOf(
      AiFailed,
    );
    const failing = await rawGateway(
      `${appraisal}event: error\ndata: {"error":{"code":"AiTimeout","message":"slow"}}\n\n`,
    );
    await expect(collect(new HttpAiClient({ baseUrl: failing }).turn(sampleTurnInput()))).rejects.toBeInstanceOf(
      AiTimeout,
    );
    const { url } = await gatewayUrl();
    await expect(
      collect(new HttpAiClient({ baseUrl: url }).turn(sampleTurnInput({ seed: -1 }))),
    ).rejects.toBeInstanceOf(BadRequest);
  });
});

describe('the pooled keep-alive connection to ai-generate', () => {
  /** The ai-generate app on a server that counts the TCP connections it accepts. */
  async function countingGateway() {
    const gateway = new AiGateway({
      provider: new ScriptedProvider({ chunkDelayMs: 0 }),
      fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
      source: '/parley/ai-generate',
      logger,
    });
    const server = createServer(createApp({ gateway, logger }));
    const counts = { connections: 0, requests: 0 };
    server.on('connection', () => counts.connections++);
    server.on('request', () => counts.requests++);
    return { url: await listen(server), counts };
  }

  test('sequential turns (and single tasks) reuse one TCP connection', async () => {
    const { url, counts } = await countingGateway();
    const client = new HttpAiClient({ baseUrl: url });
    for (let i = 0; i < 5; i++) {
      await collect(client.turn(sampleTurnInput()));
      // undici puts the socket back in the pool on the event loop's next turn after the body ended; a
      // call made in the very same turn would open a second one (a real turn commits between two calls).
      await new Promise((resolve) => setImmediate(resolve));
    }
    await client.run('dialogue.appraise', sampleAppraiseInput());
    await client.close();
    expect(counts).toEqual({ connections: 1, requests: 6 });
  });

  test('concurrent turns open at most maxConnections connections', async () => {
    const { url, counts } = await countingGateway();
    const client = new HttpAiClient({ baseUrl: url, maxConnections: 2 });
    await Promise.all(Array.from({ length: 6 }, () => collect(client.turn(sampleTurnInput()))));
    await client.close();
    expect(counts.requests).toBe(6);
    expect(counts.connections).toBeLessThanOrEqual(2);
  });
});
