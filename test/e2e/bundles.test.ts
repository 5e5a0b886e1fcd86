/**
 * The esbuild bundles as the platform runs them: `PORT=… node dist/<fn>/index.js`, one process per
 * function, against the real Redis and RabbitMQ. Each becomes ready and stops cleanly on SIGTERM;
 * bad configuration or an invalid character file stops start-up with one clear line.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { freePort } from '../support/http';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const FUNCTIONS = readdirSync(join(ROOT, 'functions')).filter((f) => existsSync(join(ROOT, 'functions', f, 'main.ts')));
const BASE_ENV = {
  PATH: process.env.PATH ?? '',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  REDIS_KEY_PREFIX: 'parley-bundles:',
  AMQP_EXCHANGE: 'parley.bundles-test',
  LOG_LEVEL: 'warn',
  // As deployed: the player functions check bearer JWTs.
  AUTH_JWT_SECRET: 'bundles-secret-0123456789abcdef0123456789',
};

beforeAll(() => {
  execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
}, 60_000);

function runBundle(
  fn: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('node', [join(ROOT, 'dist', fn, 'index.js')], { cwd: ROOT, env: { ...BASE_ENV, ...env } });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

test('every function has a bundle', () => {
  expect(FUNCTIONS.sort()).toEqual([
    'ai-generate',
    'dialogue-analytics',
    'dialogue-end',
    'dialogue-log',
    'dialogue-message',
    'dialogue-start',
  ]);
  for (const fn of FUNCTIONS) expect(existsSync(join(ROOT, 'dist', fn, 'index.js'))).toBe(true);
});

test.each(FUNCTIONS)('%s runs alone, is ready with its dependencies, and exits 0 on SIGTERM', async (fn) => {
  const port = await freePort();
  const proc = runBundle(fn, { PORT: String(port) });
  try {
    let ready: Response | undefined;
    for (let i = 0; i < 100; i++) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (ready?.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect({ status: ready?.status, output: ready?.status === 200 ? '' : proc.output() }).toEqual({
      status: 200,
      output: '',
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  } finally {
    proc.child.kill('SIGKILL');
  }
});

test.each([
  ['an invalid port', { PORT: 'eighty' }, /PORT/],
  ['a malformed REDIS_URL', { REDIS_URL: 'not a url' }, /REDIS_URL/],
  ['a missing character folder', { CHARACTERS_DIR: 'content/nowhere' }, /CHARACTERS_DIR.*content\/nowhere/],
  ['no AUTH_JWT_SECRET while AUTH_MODE defaults to jwt', { AUTH_JWT_SECRET: '' }, /AUTH_JWT_SECRET/],
  ['an unknown AUTH_MODE', { AUTH_MODE: 'off' }, /AUTH_MODE/],
])('dialogue-start with %s stops at start-up naming it', async (_name, env, message) => {
  const proc = runBundle('dialogue-start', { PORT: String(await freePort()), ...env });
  expect(await proc.exited).toBe(1);
  expect(proc.output()).toMatch(message);
});

const INVALID_CHARACTERS = join(ROOT, 'test', 'fixtures', 'characters-invalid');

test('there are invalid character fixtures', () => {
  expect(readdirSync(INVALID_CHARACTERS).length).toBeGreaterThan(0);
});

// One test per fixture: each process start gets the whole test deadline, however busy the machine.
test.each(readdirSync(INVALID_CHARACTERS))(
  'an invalid character file (%s) stops start-up with its path and the reason',
  async (name) => {
    const proc = runBundle('dialogue-start', {
      PORT: String(await freePort()),
      CHARACTERS_DIR: join(INVALID_CHARACTERS, name),
    });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain(join(INVALID_CHARACTERS, name));
  },
);

test('npm start’s bundle holds a whole dialogue on embedded defaults (no Redis, RabbitMQ or AI service)', async () => {
  const port = await freePort();
  const child = spawn('node', [join(ROOT, 'dist', 'standalone', 'index.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn' },
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const started = await post('/v1/dialogues', {
      characterId: 'captain-bram',
      goalId: 'pass-gate',
      strategyId: 'persuade',
    });
    expect(started.status).toBe(201);
    const id = started.body.dialogue.id;
    expect((await post(`/v1/dialogues/${id}/messages`, { messageId: 'm1', optionId: 'opt-1' })).status).toBe(200);
    expect(
      (await post(`/v1/dialogues/${id}/messages`, { messageId: 'm2', text: 'The plague doctor is waiting for me.' }))
        .body.dialogue.version,
    ).toBe(2);
    const ended = await post(`/v1/dialogues/${id}/end`, {});
    expect(ended.body.outcome).toMatchObject({ dialogueId: id, turnCount: 2 });
    const analytics = await (await fetch(`${base}/v1/analytics`)).json();
    expect(analytics.characters['captain-bram']).toMatchObject({
      dialoguesStarted: 1,
      dialoguesEnded: 1,
      averageTurns: 2,
    });
    const task = await post('/v1/tasks/text.generate', { input: { prompt: 'A tavern sign reads' } });
    expect(task.status).toBe(200);
    expect(typeof task.body.output.text).toBe('string');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
});
