/**
 * `npm run dev` (scripts/dev.mjs) as a developer runs it: the second start rebuilds nothing that is
 * current; an edited character file is served without a restart; a broken one keeps the last good
 * catalog and the log says why (file, line and column); a changed source rebuilds only its bundle.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../support/http';
import { ROOT } from '../support/standalone-process';

const characters = mkdtempSync(path.join(tmpdir(), 'parley-dev-characters-'));
cpSync(path.join(ROOT, 'content', 'characters'), characters, { recursive: true });
const maraFile = path.join(characters, 'innkeeper-mara.json');
const mara = JSON.parse(readFileSync(maraFile, 'utf8')) as { name: string };

type Dev = { url: string; child: ChildProcess; output(): string; stop(): Promise<void> };

/** node scripts/dev.mjs on a free port; resolves once the server answers /readyz. */
async function startDev(): Promise<Dev> {
  const port = await freePort();
  const child = spawn(process.execPath, ['scripts/dev.mjs'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), CHARACTERS_DIR: characters, LOG_LEVEL: 'info' },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  // A first start may have to build; the deadline is the build's, not the assertion's.
  await until(
    async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200,
    240_000,
    () => output,
  );
  return {
    url,
    child,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `check` until it holds; fails after `ms` with what the process printed. */
async function until(check: () => Promise<boolean> | boolean, ms: number, output: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${ms} ms; output:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const nameOf = async (url: string) =>
  ((await (await fetch(`${url}/v1/characters/innkeeper-mara`)).json()) as { character: { name: string } }).character
    .name;

let dev: Dev | undefined;
afterAll(async () => {
  await dev?.stop();
  rmSync(characters, { recursive: true, force: true });
});

test('a second start rebuilds nothing that is current', async () => {
  const first = await startDev();
  await first.stop();
  dev = await startDev();
  expect(dev.output()).toContain('dev: standalone is current, not rebuilt');
  expect(dev.output()).toContain('dev: playground is current, not rebuilt');
  expect(dev.output()).not.toContain('dev: rebuilt');
  expect(dev.output()).toContain('Parley is running: open http://localhost:');
}, 600_000);

test('an edited character is served without a restart; a broken file keeps the last good catalog and says where', async () => {
  const url = dev!.url;
  expect(await nameOf(url)).toBe(mara.name);

  writeFileSync(maraFile, JSON.stringify({ ...mara, name: 'Mara the Reloaded' }, null, 2));
  await until(async () => (await nameOf(url)) === 'Mara the Reloaded', 30_000, dev!.output);

  // A missing comma after the name: line 3 of the file.
  writeFileSync(
    maraFile,
    JSON.stringify({ ...mara, name: 'Mara the Broken' }, null, 2).replace('"Mara the Broken",', '"Mara the Broken"'),
  );
  await until(() => dev!.output().includes('character catalog NOT reloaded'), 30_000, dev!.output);
  const line = dev!
    .output()
    .split('\n')
    .find((l) => l.includes('character catalog NOT reloaded'))!;
  expect(line).toContain(`${maraFile}: not valid JSON at line 4, column 3: CommaExpected`);
  expect(await nameOf(url)).toBe('Mara the Reloaded');

  // An invalid but well-formed file is refused the same way, with the schema's reason.
  writeFileSync(maraFile, JSON.stringify({ ...mara, name: '' }, null, 2));
  await until(() => dev!.output().split('character catalog NOT reloaded').length === 3, 30_000, dev!.output);
  expect(await nameOf(url)).toBe('Mara the Reloaded');

  writeFileSync(maraFile, JSON.stringify(mara, null, 2));
  await until(async () => (await nameOf(url)) === mara.name, 30_000, dev!.output);
}, 120_000);

test('a changed playground source rebuilds the playground only, and the server keeps running', async () => {
  const before = dev!.output().length;
  const source = path.join(ROOT, 'playground', 'src', 'course-chart.tsx');
  const now = new Date();
  utimesSync(source, now, now);
  await until(
    () => dev!.output().slice(before).includes('dev: rebuilt playground (playground/src/course-chart.tsx changed)'),
    60_000,
    dev!.output,
  );
  expect(dev!.output().slice(before)).not.toContain('dev: rebuilt standalone');
  expect((await fetch(`${dev!.url}/readyz`)).status).toBe(200);
}, 90_000);
