/**
 * The README's curl tour, as written: its bash block is read from the README and run by bash against the real
 * `npm start` bundle. Only the address changes (a free port for `localhost:8080`) and the scratch file moves to
 * a temporary folder; every curl fails the script on an HTTP error (`--fail-with-body`), so a step the README
 * shows but the server refuses fails this test.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, buildStandalone, startStandalone } from '../support/standalone-process';

const run = promisify(execFile);
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The first bash block under the README heading `heading`. */
function bashBlockUnder(heading: string): string {
  const at = readme.indexOf(heading);
  if (at < 0) throw new Error(`README has no heading "${heading}"`);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`no bash block under "${heading}"`);
  return block[1]!;
}

let server: Awaited<ReturnType<typeof startStandalone>>;
let scratch: string;
beforeAll(async () => {
  buildStandalone();
  server = await startStandalone();
  scratch = mkdtempSync(path.join(tmpdir(), 'parley-readme-'));
}, 120_000);
afterAll(async () => {
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('the curl tour runs as written: characters, a start, an option turn, a streamed turn, the read, the end, analytics', async () => {
  const tour = bashBlockUnder('## Hold a dialogue with curl');
  expect(tour).toContain('localhost:8080');
  const startFile = path.join(scratch, 'start.json');
  const script = [
    'set -euo pipefail',
    // Every step must answer 2xx: an error body is printed and the script stops.
    'curl() { command curl --fail-with-body "$@"; }',
    tour.replaceAll('localhost:8080', server.url.replace('http://', '')).replaceAll('/tmp/start.json', startFile),
  ].join('\n');

  const { stdout } = await run('bash', ['-c', script], { cwd: scratch, timeout: 60_000, maxBuffer: 8 << 20 });

  const started = JSON.parse(readFileSync(startFile, 'utf8')) as { dialogue: { id: string; characterId: string } };
  expect(started.dialogue.characterId).toBe('innkeeper-mara');
  // The streamed turn's events, in the order the README lists them.
  // (curl prints a JSON answer without a final newline, so an event line may follow one on the same line.)
  const events = [...stdout.matchAll(/event: (\w+)$/gm)].map((m) => m[1]);
  expect(events[0]).toBe('accepted');
  expect(events).toContain('delta');
  expect(events.slice(-4)).toEqual(['reply', 'changes', 'options', 'done']);
  // After the tour the dialogue is over, with an outcome, and the analytics subscriber counted it.
  const read = await fetch(`${server.url}/v1/dialogues/${started.dialogue.id}`, {
    headers: { 'x-player-id': 'anonymous' },
  });
  expect(read.status).toBe(200);
  expect(await read.json()).toMatchObject({ outcome: { endedBy: 'player' } });
  expect(stdout).toContain('"dialoguesStarted"');
}, 90_000);
