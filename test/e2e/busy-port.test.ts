/**
 * A port someone else holds: every entry point (each function's bundle and `npm start`'s standalone
 * bundle) says why it cannot listen and exits non-zero, rather than logging `listening` and going on
 * (dialogue-log with AMQP_URL would otherwise consume its queue with no HTTP server).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import amqp from 'amqplib';

const ROOT = join(__dirname, '..', '..');
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const FUNCTIONS = readdirSync(join(ROOT, 'functions')).filter((f) => existsSync(join(ROOT, 'functions', f, 'main.ts')));
const run = randomUUID().slice(0, 8);
const exchange = `parley.busy-port.${run}`;
const queue = `parley.busy-port.${run}.log`;
const children: ChildProcess[] = [];
let taken: Server;
let port: number;

beforeAll(async () => {
  execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, resolve));
  port = (taken.address() as AddressInfo).port;
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise((resolve) => taken.close(resolve));
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue).catch(() => undefined);
  await channel.deleteExchange(exchange).catch(() => undefined);
  await connection.close();
});

/** Runs a bundle until it exits on its own; the test's timeout is the only deadline. */
function runToExit(bundle: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn('node', [join(ROOT, 'dist', bundle, 'index.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      LOG_LEVEL: 'info',
      AUTH_MODE: 'none',
      ...env,
    },
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

const entryPoints = () => [...FUNCTIONS.map((f) => [f, {}] as const), ['standalone', {}] as const];

test.each(entryPoints())(
  '%s on a taken port logs why and exits non-zero',
  async (bundle, env) => {
    const { code, output } = await runToExit(bundle, env);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toMatch(/EADDRINUSE/);
    expect(output).not.toMatch(/"msg":"listening"/);
  },
  60_000,
);

test('dialogue-log with AMQP_URL on a taken port stops consuming and exits non-zero', async () => {
  const { code, output } = await runToExit('dialogue-log', { AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE: queue });
  expect(code).not.toBe(0);
  expect(output).toMatch(/EADDRINUSE/);
  // Nobody consumes its queue any more.
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const { consumerCount } = await channel.checkQueue(queue);
    expect(consumerCount).toBe(0);
  } finally {
    await connection.close();
  }
}, 60_000);
