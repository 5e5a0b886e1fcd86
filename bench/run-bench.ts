/**
 * `npm run bench`: Parley's own cost, side by side with a bare baseline measured in the same run.
 * The functions run as separate processes from dist/ on the real Redis and RabbitMQ, the scripted
 * provider in instant mode (SCRIPTED_CHUNK_DELAY_MS=0); this process only drives and measures.
 * Prints one table with PASS/MISS per target (never fails on a miss) and writes bench/results.json.
 * `--quick` (CI's smoke run): one cold start per function bundle, one concurrency level (16), short
 * phases, no llama lines and no results.json; its figures are too few to compare runs.
 * `--only llama`: the llama lines alone, no results.json.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import amqp from 'amqplib';
import { buildEvent, type ParleyEvent } from '@parley/shared';
import { AmqpEventPublisher, ScriptedProvider, dialogueKeys, encodeAmqpMessage } from '@parley/shared/composition';
import { sampleAppraiseInput, sampleOptionsInput, sampleReplyInput } from '@parley/shared/testing';
import type { BenchLine } from './bench-line';
import { flatteringLine } from '../test/support/player-lines';
import { closedLoop, percentile, request } from './load-driver';
import { rssMb, startBundle, stop, type Started } from './processes';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const RUN = randomUUID().slice(0, 8);
const PREFIX = `bench:${RUN}:`;
const EXCHANGE = `parley.bench.${RUN}`;
const QUICK = process.argv.includes('--quick');
/** `--only llama`: the llama lines alone (the other sections skipped), e.g. to tune the llama route. */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (ONLY !== undefined && ONLY !== 'llama') throw new Error(`--only takes "llama", not "${ONLY}"`);
const LOAD_MS = Number(process.env.BENCH_LOAD_MS ?? (QUICK ? 500 : 5000));
const WARM_MS = QUICK ? 300 : 1500;
const LONG_TURNS = QUICK ? 40 : 1000;
const COLD_STARTS = QUICK ? 1 : 3;
const CONCURRENCY = QUICK ? [16] : [1, 16, 64];
const PROVIDER_RUNS = QUICK ? 30 : 300;
const SSE_TURNS = QUICK ? 20 : 200;
const SSE_WARM_TURNS = QUICK ? 5 : 10;
const PUBLISHED_EVENTS = QUICK ? 1000 : 10_000;
const PLAYER = { 'x-player-id': 'bench-player' };
// Varied lines: a player repeating one line wears the character's patience out and is shown the door.
const turnsSent = new Map<string, number>();
const nextTurn = (dialogueId: string) => {
  const n = turnsSent.get(dialogueId) ?? 0;
  turnsSent.set(dialogueId, n + 1);
  return { text: flatteringLine(n), strategyId: 'flatter' };
};

const lines: BenchLine[] = [];
const add = (line: BenchLine) => {
  lines.push(line);
  process.stderr.write(`  ${line.section} / ${line.name}: ${round(line.value)} ${line.unit}\n`);
};
const round = (n: number) =>
  Number.isFinite(n) ? (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100) : n;
const ratioLine = (line: Omit<BenchLine, 'ratio'> & { baseline: number }): BenchLine => ({
  ...line,
  ratio: round(line.value / line.baseline),
});

const ENV: Record<string, string> = {
  REDIS_URL,
  AMQP_URL,
  AMQP_EXCHANGE: EXCHANGE,
  REDIS_KEY_PREFIX: PREFIX,
  CHARACTERS_DIR: path.join(ROOT, 'content/characters'),
  AI_PROVIDER: 'scripted',
  // The documented instant mode: the scripted provider streams without pauses.
  SCRIPTED_CHUNK_DELAY_MS: '0',
  AUTH_MODE: 'none',
  RATE_LIMIT_PLAYER_PER_MINUTE: '0',
  RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
  MAX_ACTIVE_DIALOGUES: '0',
  LOG_LEVEL: 'info',
  OTEL_TRACES_EXPORTER: 'none',
};

const BUNDLES = [
  'ai-generate',
  'dialogue-start',
  'dialogue-message',
  'dialogue-end',
  'dialogue-log',
  'dialogue-analytics',
];
const PORTS: Record<string, number> = {
  'ai-generate': 18101,
  'dialogue-start': 18102,
  'dialogue-message': 18103,
  'dialogue-end': 18104,
  'dialogue-log': 18105,
  'dialogue-analytics': 18106,
  standalone: 18107,
  baseline: 18108,
  'express-hello': 18109,
};
const envOf = (fn: string): Record<string, string> => ({
  ...ENV,
  ...(fn.startsWith('dialogue-') && !['dialogue-log', 'dialogue-analytics'].includes(fn)
    ? { AI_URL: `http://127.0.0.1:${PORTS['ai-generate']}` }
    : {}),
  ...(['dialogue-log', 'dialogue-analytics'].includes(fn) ? { AMQP_QUEUE: `${EXCHANGE}.${fn}` } : {}),
});

async function coldStarts(): Promise<Record<string, Started>> {
  const running: Record<string, Started> = {};
  // The baseline: a bare Node + express process answering /readyz, started the same way, same run.
  const bare: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const hello = await startBundle(
      'express-hello',
      path.join(DIST, 'bench', 'express-hello.js'),
      PORTS['express-hello']!,
      {},
    );
    bare.push(hello.coldStartMs);
    await stop(hello);
  }
  const bareMs = percentile(bare, 50);
  add({
    section: 'cold start',
    name: `bare Node + express (median of ${COLD_STARTS})`,
    value: round(bareMs),
    unit: 'ms',
  });
  // npm start's single process is not part of the deployed turn: --quick leaves it out.
  for (const fn of QUICK ? BUNDLES : [...BUNDLES, 'standalone']) {
    const script = path.join(DIST, fn, 'index.js');
    const times: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) {
      // npm start's single process runs on its embedded defaults (in-memory store, in-process bus).
      const env =
        fn === 'standalone'
          ? { SCRIPTED_CHUNK_DELAY_MS: '0', LOG_LEVEL: 'info', CHARACTERS_DIR: ENV.CHARACTERS_DIR!, AUTH_MODE: 'none' }
          : envOf(fn);
      const started = await startBundle(fn, script, PORTS[fn]!, env);
      times.push(started.coldStartMs);
      if (i === COLD_STARTS - 1 && fn !== 'standalone') running[fn] = started;
      else await stop(started);
    }
    const ms = percentile(times, 50);
    add(
      ratioLine({
        section: 'cold start',
        name: `${fn} (median of ${COLD_STARTS})`,
        value: round(ms),
        unit: 'ms',
        baseline: round(bareMs),
        target: '<= 2 x bare express, <= 300 ms',
        pass: ms <= 2 * bareMs && ms <= 300,
      }),
    );
  }
  return running;
}

async function newDialogue(): Promise<string> {
  const res = await request(`http://127.0.0.1:${PORTS['dialogue-start']}/v1/dialogues`, {
    body: { characterId: 'innkeeper-mara', goalId: 'learn-rumour', strategyId: 'flatter' },
    headers: PLAYER,
  });
  if (res.status !== 201) throw new Error(`start answered ${res.status}: ${res.body}`);
  return (JSON.parse(res.body) as { dialogue: { id: string } }).dialogue.id;
}

const MESSAGE_URL = (id: string) => `http://127.0.0.1:${PORTS['dialogue-message']}/v1/dialogues/${id}/messages`;

async function sendTurn(id: string, messageId: string, sse = false) {
  const res = await request(MESSAGE_URL(id), {
    body: { messageId, ...nextTurn(id) },
    headers: { ...PLAYER, ...(sse ? { accept: 'text/event-stream' } : {}) },
    firstEvent: sse ? 'delta' : undefined,
  });
  if (res.status !== 200) throw new Error(`turn answered ${res.status}: ${res.body.slice(0, 200)}`);
  return res;
}

/** What the scripted provider itself takes for a turn's three calls, in this process (instant mode). */
async function providerTimes() {
  const provider = new ScriptedProvider({ chunkDelayMs: 0 });
  const firstChunk: number[] = [];
  const turn: number[] = [];
  for (let i = 0; i < PROVIDER_RUNS; i++) {
    const t0 = performance.now();
    let first = true;
    for await (const _chunk of provider.streamText('dialogue.reply', sampleReplyInput({ seed: i }), {})) {
      if (first) firstChunk.push(performance.now() - t0);
      first = false;
    }
    await provider.generateJson('dialogue.appraise', sampleAppraiseInput(), {}, {});
    await provider.generateJson('dialogue.options', sampleOptionsInput(), {}, {});
    turn.push(performance.now() - t0);
  }
  return {
    firstChunkP50: percentile(firstChunk, 50),
    firstChunkP99: percentile(firstChunk, 99),
    turnP50: percentile(turn, 50),
    turnP99: percentile(turn, 99),
  };
}

async function throughput(running: Record<string, Started>, provider: Awaited<ReturnType<typeof providerTimes>>) {
  const baselineUrl = `http://127.0.0.1:${PORTS.baseline}`;
  const baselineTurn = (worker: number) =>
    request(`${baselineUrl}/turn/${RUN}-${worker}`, { body: nextTurn(`baseline-${worker}`) }).then((r) => {
      if (r.status !== 200) throw new Error(`baseline ${r.status}`);
    });
  // Warm both up (JIT, connection pools) before anything counts.
  const warm = await Promise.all(Array.from({ length: 16 }, () => newDialogue()));
  await closedLoop(16, WARM_MS, (w, n) => sendTurn(warm[w]!, `warm-${n}`).then(() => undefined));
  await closedLoop(16, WARM_MS, baselineTurn);

  // Peak RSS is reported for the last (highest) concurrency level only.
  const peakLevel = CONCURRENCY.at(-1)!;
  let peakRss: Record<string, number> = {};
  for (const concurrency of CONCURRENCY) {
    const dialogues = await Promise.all(Array.from({ length: concurrency }, () => newDialogue()));
    const sampler = setInterval(() => {
      for (const [fn, s] of Object.entries(running)) peakRss[fn] = Math.max(peakRss[fn] ?? 0, rssMb(s.child));
    }, 100);
    if (concurrency !== peakLevel) peakRss = {};
    const parley = await closedLoop(concurrency, LOAD_MS, (w, n) =>
      sendTurn(dialogues[w]!, `c${concurrency}-${n}`).then(() => undefined),
    );
    clearInterval(sampler);
    const base = await closedLoop(concurrency, LOAD_MS, baselineTurn);
    const section = `message route, JSON, ${concurrency} dialogue${concurrency > 1 ? 's' : ''}`;
    const tput = ratioLine({
      section,
      name: 'turns/s (baseline: bare express GET+SET+confirmed publish)',
      value: round(parley.perSecond),
      unit: '/s',
      baseline: round(base.perSecond),
    });
    if (concurrency === 16)
      Object.assign(tput, { target: '>= 0.5 x baseline', pass: parley.perSecond >= 0.5 * base.perSecond });
    if (parley.errors > 0) tput.note = `${parley.errors} failed turns`;
    add(tput);
    add(ratioLine({ section, name: 'latency p50', value: round(parley.p50), unit: 'ms', baseline: round(base.p50) }));
    add(ratioLine({ section, name: 'latency p99', value: round(parley.p99), unit: 'ms', baseline: round(base.p99) }));
    if (concurrency === 16) {
      // A turn's own overhead: its latency less what the AI (the instant scripted provider) took.
      const overhead = parley.p99 - provider.turnP99;
      add({
        section,
        name: 'turn overhead p99 (latency p99 - provider p99)',
        value: round(overhead),
        unit: 'ms',
        target: '<= 5 ms',
        pass: overhead <= 5,
        note: `provider p99 ${round(provider.turnP99)} ms`,
      });
    }
  }
  for (const [fn, mb] of Object.entries(peakRss))
    add({
      section: 'memory',
      name: `${fn} RSS under load (${peakLevel} dialogues, peak)`,
      value: round(mb),
      unit: 'MB',
    });
}

async function timeToFirstDelta(provider: Awaited<ReturnType<typeof providerTimes>>) {
  const id = await newDialogue();
  const ttfd: number[] = [];
  for (let i = 0; i < SSE_TURNS; i++) {
    const res = await sendTurn(id, `sse-${i}`, true);
    if (res.firstEventMs !== undefined && i >= SSE_WARM_TURNS) ttfd.push(res.firstEventMs);
  }
  const section = 'SSE, 1 dialogue';
  const p50 = percentile(ttfd, 50) - provider.firstChunkP50;
  const p99 = percentile(ttfd, 99) - provider.firstChunkP99;
  add({
    section,
    name: 'time to first delta - provider first chunk, p50',
    value: round(p50),
    unit: 'ms',
    target: '<= 2 ms',
    pass: p50 <= 2,
    note: `provider first chunk p50 ${round(provider.firstChunkP50 * 1000)} us`,
  });
  add({ section, name: 'time to first delta - provider first chunk, p99', value: round(p99), unit: 'ms' });
}

/** Per route template, the count of requests ai-generate's own /metrics has seen (itself left out). */
async function aiRequestCounts(): Promise<Map<string, number>> {
  const res = await request(`http://127.0.0.1:${PORTS['ai-generate']}/metrics`);
  const counts = new Map<string, number>();
  for (const [, labels, n] of res.body.matchAll(/^parley_http_request_duration_seconds_count\{([^}]*)\} (\d+)$/gm)) {
    const route = /route="([^"]*)"/.exec(labels!)?.[1] ?? '?';
    if (route !== '/metrics') counts.set(route, (counts.get(route) ?? 0) + Number(n));
  }
  return counts;
}

const tally = (names: string[]) => {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name} ${n}`).join(', ');
};

/**
 * What one JSON turn in the deployed shape sends over the wire, counted from outside the functions:
 * HTTP requests from ai-generate's own metrics, AMQP messages from a queue bound to the run's exchange.
 * Redis commands are not counted here yet.
 */
async function roundTrips() {
  const SETTLE_MS = 1000;
  const id = await newDialogue();
  await sendTurn(id, 'rt-warm');
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, EXCHANGE, '#');
  const published: string[] = [];
  await channel.consume(queue, (msg) => msg && published.push(msg.fields.routingKey), { noAck: true });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const before = await aiRequestCounts();
  published.length = 0;
  await sendTurn(id, 'rt-1');
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const after = await aiRequestCounts();
  await connection.close();
  const calls = [...after].map(([route, n]) => [route, n - (before.get(route) ?? 0)] as const).filter(([, n]) => n > 0);
  const section = 'round trips, one JSON turn (deployed)';
  add({
    section,
    name: 'HTTP calls to ai-generate',
    value: calls.reduce((a, [, n]) => a + n, 0),
    unit: '',
    note: calls.map(([r, n]) => `${r} ${n}`).join(', '),
  });
  add({
    section,
    name: `AMQP messages published (within ${SETTLE_MS} ms)`,
    value: published.length,
    unit: '',
    note: tally(published),
  });
}

async function perTurnCost(redis: Redis) {
  const id = await newDialogue();
  const keys = dialogueKeys(PREFIX);
  const latency: number[] = [];
  // Bytes a turn moves: the hot state read twice (before and under the lock) and written once, plus
  // the stored answer. Averaged over 20 turns, as reply texts vary in length.
  const bytes: number[] = [];
  const stateBytes: number[] = [];
  for (let turn = 1; turn <= LONG_TURNS; turn++) {
    const t0 = performance.now();
    await sendTurn(id, `long-${turn}`);
    latency.push(performance.now() - t0);
    if ((turn > 10 && turn <= 30) || turn > LONG_TURNS - 20) {
      const state = await redis.hstrlen(keys.state(id), 's');
      const result = await redis.strlen(keys.turnResult(id, `long-${turn}`));
      bytes.push(3 * state + result);
      stateBytes.push(state);
    }
  }
  const transcript = await redis.llen(keys.transcript(id));
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  const short = mean(bytes.slice(0, 20));
  const long = mean(bytes.slice(-20));
  const section = `per-turn cost, length 10 vs ${LONG_TURNS.toLocaleString('en')}`;
  add({
    ...ratioLine({
      section,
      name: 'bytes read+written per turn (mean of turns 11-30 vs last 20)',
      value: long,
      unit: 'B',
      baseline: short,
    }),
    target: '<= 1.10 x at length 10',
    pass: long <= 1.1 * short,
    note: `hot state ${mean(stateBytes.slice(0, 20))} -> ${mean(stateBytes.slice(-20))} B; transcript list ${transcript} entries`,
  });
  const early = percentile(latency.slice(5, 55), 50);
  const late = percentile(latency.slice(-50), 50);
  add({
    ...ratioLine({
      section,
      name: 'turn latency p50 (turns 6-55 vs last 50)',
      value: round(late),
      unit: 'ms',
      baseline: round(early),
    }),
    target: '<= 1.10 x at length 10',
    pass: late <= 1.1 * early,
  });
}

async function publisherRate() {
  const events = PUBLISHED_EVENTS;
  const batch = 50;
  const exchange = `${EXCHANGE}.publisher`;
  const queue = `${exchange}.sink`;
  const connection = await amqp.connect(AMQP_URL);
  const admin = await connection.createChannel();
  await admin.assertExchange(exchange, 'topic', { durable: true });
  await admin.assertQueue(queue, { durable: true });
  await admin.bindQueue(queue, exchange, '#');
  const make = (i: number): ParleyEvent =>
    buildEvent({
      id: `${RUN}.${i}`,
      type: 'dialogue.progress',
      source: '/parley/bench',
      subject: RUN,
      time: new Date().toISOString(),
      sequence: i,
      data: { bench: i } as never,
    });
  const all = Array.from({ length: events }, (_, i) => make(i));

  const publisher = await AmqpEventPublisher.connect(AMQP_URL, { exchange });
  let t0 = performance.now();
  for (let i = 0; i < events; i += batch) await publisher.publish(all.slice(i, i + batch));
  const ours = events / ((performance.now() - t0) / 1000);
  await publisher.close();

  const confirm = await connection.createConfirmChannel();
  t0 = performance.now();
  for (let i = 0; i < events; i += batch) {
    for (const event of all.slice(i, i + batch)) {
      const { routingKey, content, options } = encodeAmqpMessage(event);
      confirm.publish(exchange, routingKey, content, options);
    }
    await confirm.waitForConfirms();
  }
  const bare = events / ((performance.now() - t0) / 1000);
  await admin.deleteQueue(queue);
  await admin.deleteExchange(exchange);
  await connection.close();
  add({
    ...ratioLine({
      section: 'events',
      name: `AMQP publisher with confirms (batches of ${batch}) vs bare amqplib confirm loop`,
      value: round(ours),
      unit: 'events/s',
      baseline: round(bare),
    }),
    target: '>= 0.5 x bare amqplib',
    pass: ours >= 0.5 * bare,
  });
}

function bundleSizes() {
  for (const fn of readdirSync(DIST)) {
    const file = path.join(DIST, fn, 'index.js');
    if (fn === 'bench' || !existsSync(file)) continue;
    add({ section: 'bundle size', name: fn, value: round(statSync(file).size / 1024), unit: 'KB' });
  }
}

async function llamaLines() {
  const file = path.join(DIST, 'bench', 'llama-bench.js');
  if (QUICK) return add({ section: 'llama (stories260K)', name: 'skipped', value: 0, unit: '', note: '--quick' });
  if (!existsSync(file)) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const llama = require(file) as { runLlamaBench(): Promise<BenchLine[]> };
  for (const line of await llama.runLlamaBench()) add(line);
}

function printTable() {
  const rows = lines.map((l) => [
    l.section,
    l.name,
    `${round(l.value)} ${l.unit}`,
    l.baseline === undefined ? '' : `${round(l.baseline)} ${l.unit}`,
    l.ratio === undefined ? '' : String(l.ratio),
    l.target ?? '',
    l.pass === undefined ? '' : l.pass ? 'PASS' : 'MISS',
    l.note ?? '',
  ]);
  const header = ['section', 'measure', 'value', 'baseline', 'ratio', 'target', '', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(fmt)].join('\n'));
}

const loadAtStart = os
  .loadavg()
  .map((n) => n.toFixed(1))
  .join(' ');

async function main() {
  const began = performance.now();
  const redis = new Redis(REDIS_URL);
  let running: Record<string, Started> = {};
  let baseline: Started | undefined;
  try {
    process.stderr.write(
      `bench run ${RUN}${QUICK ? ' (--quick)' : ''}: ${os.cpus().length} cpus, node ${process.version}\n`,
    );
    if (ONLY !== 'llama') {
      const provider = await providerTimes();
      add({
        section: 'provider (in-process, instant)',
        name: "scripted: a turn's 3 calls, p50",
        value: round(provider.turnP50),
        unit: 'ms',
      });
      running = await coldStarts();
      await new Promise((r) => setTimeout(r, 1000));
      for (const [fn, s] of Object.entries(running))
        add({ section: 'memory', name: `${fn} RSS idle`, value: round(rssMb(s.child)), unit: 'MB' });
      baseline = await startBundle('baseline', path.join(DIST, 'bench', 'baseline-server.js'), PORTS.baseline!, {
        ...ENV,
        REDIS_KEY_PREFIX: `${PREFIX}baseline:`,
      });
      await throughput(running, provider);
      await timeToFirstDelta(provider);
      await roundTrips();
      await perTurnCost(redis);
      await publisherRate();
      bundleSizes();
    }
    await llamaLines();
  } finally {
    await Promise.all([...Object.values(running), ...(baseline ? [baseline] : [])].map(stop));
    await cleanUp(redis);
  }
  printTable();
  const seconds = Math.round((performance.now() - began) / 1000);
  const misses = lines.filter((l) => l.pass === false).length;
  const load = os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
  console.log(
    `\n${QUICK ? '--quick run: ' : ''}${lines.filter((l) => l.pass).length} PASS, ${misses} MISS; ${seconds} s; ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), node ${process.version}; load average at the end ${load} (at the start ${loadAtStart})`,
  );
  // A partial run must not replace the full run's results.
  if (QUICK || ONLY) return;
  writeFileSync(
    path.join(ROOT, 'bench', 'results.json'),
    `${JSON.stringify({ at: new Date().toISOString(), seconds, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAtStart, loadAtEnd: load }, lines }, null, 2)}\n`,
  );
}

async function cleanUp(redis: Redis) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  for (const fn of ['dialogue-log', 'dialogue-analytics'])
    await channel.deleteQueue(`${EXCHANGE}.${fn}`).catch(() => undefined);
  await channel.deleteExchange(EXCHANGE).catch(() => undefined);
  await connection.close().catch(() => undefined);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
