import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

// The bench is not a timed test: this only proves `npm run bench -- --quick` builds, drives the
// deployed shape on the real Redis and RabbitMQ, and prints its table. No target is asserted.
// Its fixed ports (18101-18108) mean two benches cannot run at once on one machine.
test('npm run bench -- --quick prints the table with a row per measured section', async () => {
  const { stdout } = await run('npm', ['run', 'bench', '--', '--quick'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const rows = stdout
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  expect(rows[0]).toEqual(['section', 'measure', 'value', 'baseline', 'ratio', 'target', '', 'note']);
  expect(rows[1]!.every((cell) => /^-+$/.test(cell))).toBe(true);
  const body = rows.slice(2);
  for (const row of body) expect(row).toHaveLength(8);
  const sections = new Set(body.map((row) => row[0]));
  for (const section of [
    'cold start',
    'message route, JSON, 16 dialogues',
    'SSE, 1 dialogue',
    'per-turn cost, length 10 vs 40',
    'round trips, one JSON turn (deployed)',
    'events',
    'bundle size',
  ]) {
    expect(sections).toContain(section);
  }
  // Every function bundle was started and timed, and every measured value is a number.
  const coldStarts = body.filter((row) => row[0] === 'cold start').map((row) => row[1]);
  for (const fn of [
    'ai-generate',
    'dialogue-start',
    'dialogue-message',
    'dialogue-end',
    'dialogue-log',
    'dialogue-analytics',
  ]) {
    expect(coldStarts).toContain(`${fn} (median of 1)`);
  }
  for (const row of body.filter((r) => r[0] !== 'llama (stories260K)')) expect(row[2]).toMatch(/^\d+(\.\d+)?( \S+)?$/);
  // The load ran: turns were answered, none failed.
  const turns = body.find((row) => row[0] === 'message route, JSON, 16 dialogues' && row[1]!.startsWith('turns/s'))!;
  expect(Number.parseFloat(turns[2]!)).toBeGreaterThan(0);
  expect(turns[7]).not.toMatch(/failed turns/);
  expect(stdout).toMatch(/--quick run: \d+ PASS, \d+ MISS; \d+ s; .*load average at the end/);
}, 900_000);
