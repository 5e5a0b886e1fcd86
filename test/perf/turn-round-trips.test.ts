/**
 * What one turn costs on the wire in the deployed shape, counted (not timed): dialogue-message built
 * as its main.ts builds it (real Redis, the AMQP publisher, ai-generate over HTTP at AI_URL), with the
 * Redis commands seen through MONITOR, the HTTP requests counted at the ai-generate server and the AMQP
 * messages at a queue bound to the run's exchange. `npm run bench` prints the same lines.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { DialogueConfigSchema, readConfig } from '@parley/shared';
import { AiGateway, ScriptedProvider, createDialogueRuntime, createLogger } from '@parley/shared/composition';
import { createApp as aiApp } from '../../functions/ai-generate/app';
import { createApp as startApp } from '../../functions/dialogue-start/app';
import { createApp as messageApp } from '../../functions/dialogue-message/app';
import { CHARACTERS_DIR } from '../support/dialogue-harness';
import { listen, postJson } from '../support/http';
import { AMQP_URL, sleep, startConsumer } from '../support/reliability-kit';
import { REDIS_URL, deleteKeysUnder } from '../support/redis-test-kit';

jest.setTimeout(60_000);

const logger = createLogger('round-trips-test', 'silent');
const PLAYER = { 'x-player-id': 'round-tripper' };

/**
 * A Redis command as a kind: the command and its key with the prefix, ids and message ids taken out
 * (`EVALSHA dialogue:{id}:state`); commands run inside a Lua script are marked `(lua)`.
 */
function kindOf(args: string[], source: string, prefix: string): string {
  const [command = '', ...rest] = args;
  const name = command.toUpperCase();
  const keyAt = name === 'EVALSHA' || name === 'EVAL' ? 2 : 0;
  const key = (rest[keyAt] ?? '')
    .replace(prefix, '')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'id')
    .replace(/:(result|start-key):[^:]+$/, ':$1:*');
  return `${source === 'lua' ? '(lua) ' : ''}${name}${key ? ` ${key}` : ''}`;
}

test('one turn: 1 HTTP call to ai-generate, one AMQP message per event, and the Redis commands by kind', async () => {
  const prefix = `test-rt:${randomUUID().slice(0, 8)}:`;
  const exchange = `parley.round-trips.${randomUUID().slice(0, 8)}`;
  const gateway = new AiGateway({
    provider: new ScriptedProvider({ chunkDelayMs: 0 }),
    fallback: new ScriptedProvider({ chunkDelayMs: 0 }),
    source: '/parley/ai-generate',
    logger,
  });
  const aiRequests: string[] = [];
  const aiConnections = { count: 0 };
  const aiServer = createServer(aiApp({ gateway, logger }));
  aiServer.on('request', (req) => aiRequests.push(req.url ?? ''));
  aiServer.on('connection', () => aiConnections.count++);
  await new Promise<void>((resolve) => aiServer.listen(0, '127.0.0.1', resolve));
  const config = readConfig(DialogueConfigSchema, {
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    AMQP_URL,
    AMQP_EXCHANGE: exchange,
    AI_URL: `http://127.0.0.1:${(aiServer.address() as AddressInfo).port}`,
    CHARACTERS_DIR,
    AUTH_MODE: 'none',
    // The relay's timer stays out of the count: the turn's own publish is what is counted.
    OUTBOX_RELAY_INTERVAL_MS: '600000',
  });
  const runtime = await createDialogueRuntime(config, { functionName: 'dialogue-message', logger });
  const options = { logger, readiness: runtime.readiness, access: runtime.access };
  const start = await listen(startApp(runtime.deps, options));
  const message = await listen(messageApp(runtime.deps, options));
  const consumer = await startConsumer(exchange);
  // Every command of this Redis, shared with other tests: the ones from this runtime's connections
  // (found by the keys they touch) and the scripts they run are kept.
  const seen: Array<{ args: string[]; source: string }> = [];
  const monitor = await redisMonitor(REDIS_URL, (args, source) => seen.push({ args, source }));
  const ours = new Set<string>();
  const checker = new Redis(REDIS_URL);
  // The test's own KEYS (waiting for the outbox to empty) is not the runtime's.
  const touchesPrefix = (args: string[]) =>
    args[0]?.toUpperCase() !== 'KEYS' && args.some((a) => typeof a === 'string' && a.startsWith(prefix));
  try {
    const created = await postJson(
      `${start.url}/v1/dialogues`,
      { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
      PLAYER,
    );
    expect(created.status).toBe(201);
    const id = created.body.dialogue.id as string;
    const turn = (messageId: string, text: string) =>
      postJson(`${message.url}/v1/dialogues/${id}/messages`, { messageId, text, strategyId: 'flatter' }, PLAYER);
    /** Until the turn's events are out and acknowledged: the outbox of the dialogue is empty again. */
    const published = async (sequence: number) => {
      const until = Date.now() + 20_000;
      const out = () => consumer.ofType('dialogue.progress').some((d) => d.subject === id && d.sequence === sequence);
      // The outbox list is removed once empty, with its index entry.
      while (Date.now() < until && (!out() || (await checker.keys(`${prefix}*outbox*`)).length > 0)) await sleep(20);
    };
    // A first turn loads the scripts and opens every connection.
    expect((await turn('warm', 'Your stew is famous, friend.')).status).toBe(200);
    await published(1);
    await sleep(200);
    for (const { args, source } of seen) if (touchesPrefix(args)) ours.add(source);
    seen.length = 0;
    const requestsBefore = aiRequests.length;
    const connectionsBefore = aiConnections.count;
    const deliveriesBefore = consumer.raw.length;

    const res = await turn('counted', 'Nobody pours a finer ale in the whole town.');
    expect(res.status).toBe(200);
    await published(2);
    // MONITOR lines trail the commands a little.
    await sleep(300);

    // A script's commands follow its EVALSHA in the feed (a script runs alone): they are its caller's.
    const line = (kind: string) =>
      /ratelimit/.test(kind)
        ? 'rate limit'
        : /outbox/.test(kind)
          ? 'publish, after the answer'
          : 'store, request to answer';
    const commands: Array<{ kind: string; lua: boolean; group: string }> = [];
    let caller = { source: '', group: '' };
    for (const { args, source } of seen) {
      const kind = kindOf(args, source, prefix);
      if (source !== 'lua') caller = { source, group: line(kind) };
      if (ours.has(caller.source)) commands.push({ kind, lua: source === 'lua', group: caller.group });
    }
    const groups = new Map<string, Map<string, number>>();
    for (const { kind, group } of commands) {
      const kinds = groups.get(group) ?? new Map<string, number>();
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      groups.set(group, kinds);
    }
    const sent = (group: string) => commands.filter((c) => !c.lua && c.group === group).length;
    const toAnswer = sent('store, request to answer');
    const deliveries = consumer.raw.slice(deliveriesBefore);
    console.log(
      [
        `[round trips] one JSON turn, deployed shape:`,
        `  HTTP calls to ai-generate: ${aiRequests.length - requestsBefore} (${aiRequests.slice(requestsBefore).join(', ')}), new connections ${aiConnections.count - connectionsBefore}`,
        `  AMQP messages: ${deliveries.length} (${deliveries.map((d) => d.type).join(', ')})`,
        ...[...groups].flatMap(([group, kinds]) => [
          `  Redis, ${group}: ${sent(group)} round trips`,
          ...[...kinds].map(([kind, n]) => `    ${n} x ${kind}`),
        ]),
      ].join('\n'),
    );
    expect(aiRequests.slice(requestsBefore)).toEqual(['/v1/tasks/dialogue.turn']);
    expect(aiConnections.count - connectionsBefore).toBe(0);
    // Published once each, after the answer: the turn's events are its progress event.
    expect(deliveries.map((d) => [d.type, d.subject, d.sequence])).toEqual([['dialogue.progress', id, 2]]);
    // The store's own calls from request to answer: the replay check and state in one read before the
    // lock, the same read taking the lock, the memory recall, and the commit script (state, transcript,
    // answer, outbox and the lock's release in one step).
    expect(toAnswer).toBeLessThanOrEqual(4);
  } finally {
    checker.disconnect();
    monitor.destroy();
    await consumer.close();
    await message.close();
    await start.close();
    await runtime.close();
    aiServer.closeAllConnections();
    await new Promise((resolve) => aiServer.close(resolve));
    await deleteKeysUnder([prefix]);
  }
});

/**
 * MONITOR on a plain socket (ioredis' monitor mode trips on a busy shared server): each command line
 * `+<time> [<db> <source>] "<command>" "<arg>"...` is handed to `onCommand`; `source` is `lua` for a
 * script's own commands.
 */
async function redisMonitor(url: string, onCommand: (args: string[], source: string) => void): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port || 6379), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffer = '';
  let started!: () => void;
  const ok = new Promise<void>((resolve) => (started = resolve));
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const lineText = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (lineText === '+OK') started();
      const match = /^\+\S+ \[\d+ ([^\]]+)\] (.*)$/.exec(lineText);
      if (!match) continue;
      const args = [...match[2]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
      onCommand(args, match[1]!);
    }
  });
  socket.write('MONITOR\r\n');
  await ok;
  return socket;
}
