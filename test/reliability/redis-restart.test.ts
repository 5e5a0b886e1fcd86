/**
 * A Redis restart in the middle of turns, on the deployed shape: the dialogue-start and
 * dialogue-message bundles against this test's own `redis-server --appendonly yes --appendfsync always`
 * on a free port (the turn locks of the interrupted turns are in its AOF), killed with SIGKILL while
 * 20 dialogues each have a turn in flight, then started again on the same files. Every dialogue must
 * accept a new turn (its `accepted` SSE event) within 5 s of Redis answering PING again.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../support/http';
import { readSse } from '../support/sse';
import { PLAYER, createDialogue, turnBody } from '../support/reliability-kit';

const ROOT = join(__dirname, '..', '..');
const DIALOGUES = 20;
const ACCEPT_WITHIN_MS = 5_000;
const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'parley-redis-restart-'));
let redisPort: number;
let redis: ChildProcess | undefined;

beforeAll(async () => {
  execFileSync('node', ['scripts/build.mjs', 'dialogue-start', 'dialogue-message'], { cwd: ROOT, stdio: 'pipe' });
  redisPort = await freePort();
}, 120_000);
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  redis?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  // Commands wait until the connection is ready, and ioredis is ready only once the AOF is loaded.
  const probe = new Redis({ port: redisPort, host: '127.0.0.1', retryStrategy: () => 20, maxRetriesPerRequest: null });
  probe.on('error', () => undefined);
  try {
    expect(await probe.ping()).toBe('PONG');
  } finally {
    probe.disconnect();
  }
}

async function startBundle(fn: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn('node', [join(ROOT, 'dist', fn, 'index.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_KEY_PREFIX: 'parley-restart:',
      AUTH_MODE: 'none',
      RATE_LIMIT_PLAYER_PER_MINUTE: '0',
      RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
      MAX_ACTIVE_DIALOGUES: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  children.push(child);
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${fn} exited: ${output}`);
    const ready = await fetch(`${url}/readyz`).catch(() => undefined);
    if (ready?.status === 200) return url;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens a streamed turn; resolves when it is accepted (the lock is taken), with the rest of the stream. */
async function openTurn(
  url: string,
  dialogueId: string,
  messageId: string,
): Promise<{ status: number; accepted: boolean; rest?: Promise<unknown> }> {
  const res = await fetch(`${url}/v1/dialogues/${dialogueId}/messages`, {
    method: 'POST',
    headers: { ...PLAYER, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(turnBody(messageId)),
  });
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, accepted: false };
  }
  const events = readSse(res)[Symbol.asyncIterator]();
  for (;;) {
    const next = await events.next().catch(() => ({ done: true as const, value: undefined }));
    if (next.done) return { status: res.status, accepted: false };
    if (next.value.event === 'accepted') {
      const rest = (async () => {
        for (;;) if ((await events.next().catch(() => ({ done: true }))).done) return;
      })();
      return { status: res.status, accepted: true, rest };
    }
    if (next.value.event === 'error') return { status: res.status, accepted: false };
  }
}

test(`after a Redis restart, each of ${DIALOGUES} dialogues with a turn cut in flight accepts a new turn within ${ACCEPT_WITHIN_MS / 1000} s`, async () => {
  await startRedis();
  const start = await startBundle('dialogue-start', {});
  // Slow replies: the turns are still running (their locks held) when Redis dies.
  const message = await startBundle('dialogue-message', { SCRIPTED_CHUNK_DELAY_MS: '300' });
  const ids = await Promise.all(Array.from({ length: DIALOGUES }, () => createDialogue(start)));
  const inFlight = await Promise.all(ids.map((id) => openTurn(message, id, 'before-restart')));
  expect(inFlight.filter((t) => t.accepted)).toHaveLength(DIALOGUES);

  redis!.kill('SIGKILL');
  await new Promise((resolve) => redis!.once('exit', resolve));
  // The interrupted turns fail (503) or end; none may hang.
  await Promise.all(inFlight.map((t) => t.rest));
  await startRedis();
  const back = Date.now();

  const acceptedAfterMs = await Promise.all(
    ids.map(async (id, i) => {
      for (let attempt = 0; ; attempt++) {
        const turn = await openTurn(message, id, `after-restart-${i}-${attempt}`);
        if (turn.accepted) {
          const after = Date.now() - back;
          await turn.rest;
          return after;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }),
  );
  const worst = Math.max(...acceptedAfterMs);
  console.log(
    `[reliability] Redis restart: ${DIALOGUES} dialogues accepted a new turn ${Math.min(...acceptedAfterMs)}..${worst} ms after Redis answered again`,
  );
  expect(worst).toBeLessThanOrEqual(ACCEPT_WITHIN_MS);
}, 120_000);
