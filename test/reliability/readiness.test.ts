/**
 * Readiness under faults, on the bundles as deployed (`node dist/<fn>/index.js`): a broker that does
 * not answer leaves every function with an outbox ready (reported as degraded), and a dialogue
 * function's readiness never asks another function's (ai-generate's) readiness.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../support/http';

const ROOT = join(__dirname, '..', '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const children: ChildProcess[] = [];

beforeAll(() => {
  execFileSync('node', ['scripts/build.mjs', 'ai-generate', 'dialogue-message', 'dialogue-start', 'dialogue-end'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}, 120_000);
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

type Readiness = { status: number; body: { status: string; checks: Record<string, string> } };

/** Starts a bundle and waits for its first /readyz answer, whatever it is (its exit fails the test). */
async function start(
  fn: string,
  env: Record<string, string>,
): Promise<{ readiness(): Promise<Readiness>; output(): string }> {
  const port = await freePort();
  const child = spawn('node', [join(ROOT, 'dist', fn, 'index.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn', AUTH_MODE: 'none', ...env },
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const readiness = async (): Promise<Readiness> => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: res.status, body: (await res.json()) as Readiness['body'] };
  };
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${fn} exited: ${output}`);
    const answered = await readiness().catch(() => undefined);
    if (answered) return { readiness, output: () => output };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A broker address nobody answers on. */
async function deadAmqpUrl(): Promise<string> {
  return `amqp://guest:guest@127.0.0.1:${await freePort()}`;
}

test.each(['ai-generate', 'dialogue-start', 'dialogue-message', 'dialogue-end'])(
  '%s stays ready with the broker down, reporting it degraded',
  async (fn) => {
    const env: Record<string, string> = {
      AMQP_URL: await deadAmqpUrl(),
      AMQP_EXCHANGE: `parley.readiness.${randomUUID()}`,
    };
    if (fn !== 'ai-generate')
      Object.assign(env, { REDIS_URL, REDIS_KEY_PREFIX: `parley-readiness:${randomUUID().slice(0, 8)}:` });
    const proc = await start(fn, env);
    const { status, body } = await proc.readiness();
    expect({ status, events: body.checks.events?.slice(0, 'degraded'.length) }).toEqual({
      status: 200,
      events: 'degraded',
    });
  },
  60_000,
);

test('a dialogue function is ready while the ai-generate it calls is not', async () => {
  // An ai-generate that is alive but NotReady (what a broker outage made it before).
  const requests: string[] = [];
  const notReady: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res
      .writeHead(req.url === '/readyz' ? 503 : 500, { 'content-type': 'application/json' })
      .end('{"status":"not ready"}');
  });
  await new Promise<void>((resolve) => notReady.listen(0, '127.0.0.1', resolve));
  try {
    const aiUrl = `http://127.0.0.1:${(notReady.address() as AddressInfo).port}`;
    const proc = await start('dialogue-message', {
      REDIS_URL,
      REDIS_KEY_PREFIX: `parley-readiness:${randomUUID().slice(0, 8)}:`,
      AI_URL: aiUrl,
    });
    const { status, body } = await proc.readiness();
    expect(status).toBe(200);
    expect(body.checks).not.toHaveProperty('ai');
    expect(requests.filter((r) => r.startsWith('GET /readyz'))).toEqual([]);
  } finally {
    notReady.close();
  }
}, 60_000);
