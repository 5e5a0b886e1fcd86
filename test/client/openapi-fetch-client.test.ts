/**
 * The OpenAPI document as a client generator reads it: types generated with openapi-typescript from the
 * document the live `npm start` process serves, a small client written with openapi-fetch against them
 * (start, a turn, end), compiled by `tsc` under `strict` and otherwise its defaults in a project outside
 * this repository, then run against that same process.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, buildStandalone, startStandalone } from '../support/standalone-process';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const project = mkdtempSync(join(tmpdir(), 'parley-openapi-fetch-'));
let server: Awaited<ReturnType<typeof startStandalone>>;

// openapi-typescript is ESM with top-level await: run it as its own node process, as a user's build would.
const GENERATE = `
import openapiTS, { astToString } from 'openapi-typescript';
import { writeFileSync } from 'node:fs';
const [url, out] = process.argv.slice(2);
const document = await (await fetch(url)).json();
writeFileSync(out, astToString(await openapiTS(document)));
`;

const CLIENT = `
import createClient from 'openapi-fetch';
import type { paths } from './parley-api.js';

// The start and turn answers list two media types (JSON, and SSE with Accept: text/event-stream); this
// client reads JSON, so it names that media type, as openapi-fetch lets a client do.
const client = createClient<paths, 'application/json'>({ baseUrl: process.argv[2] });
const headers = { 'X-Player-Id': 'openapi-fetch-player' };

const started = await client.POST('/v1/dialogues', {
  params: { header: { ...headers, 'Idempotency-Key': 'start-1' } },
  body: { characterId: 'innkeeper-mara', goalId: 'learn-rumour' },
});
if (!started.data) throw new Error(\`start failed: \${started.response.status} \${started.error?.error.code}\`);
const dialogueId: string = started.data.dialogue.id;
const firstOption = started.data.options[0];
if (!firstOption) throw new Error('no options');

const turn = await client.POST('/v1/dialogues/{id}/messages', {
  params: { path: { id: dialogueId }, header: headers },
  body: { messageId: 'turn-1', optionId: firstOption.id },
});
if (!turn.data) throw new Error(\`turn failed: \${turn.response.status} \${turn.error?.error.code}\`);
const replyText: string = turn.data.reply.text;

const ended = await client.POST('/v1/dialogues/{id}/end', {
  params: { path: { id: dialogueId }, header: headers },
  body: { reason: 'done for now' },
});
if (!ended.data) throw new Error(\`end failed: \${ended.response.status} \${ended.error?.error.code}\`);

const missing = await client.GET('/v1/dialogues/{id}', {
  params: { path: { id: '00000000-0000-4000-8000-000000000000' }, header: headers },
});
const errorCode: string | undefined = missing.error?.error.code;

console.log(
  JSON.stringify({
    startStatus: started.response.status,
    dialogueId,
    replyText,
    endStatus: ended.response.status,
    goalAchieved: ended.data.outcome.goalAchieved,
    missingStatus: missing.response.status,
    errorCode,
  }),
);
`;

beforeAll(async () => {
  buildStandalone();
  server = await startStandalone({ SCRIPTED_CHUNK_DELAY_MS: '1' });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-game', private: true, type: 'module' }));
  // The repository's installed openapi-fetch and @types/node, as a game's project would have them installed.
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        module: 'nodenext',
        outDir: 'out',
        types: ['node'],
      },
      include: ['src'],
    }),
  );
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'generate.mjs'), GENERATE);
}, 180_000);

afterAll(async () => {
  await server?.close();
  rmSync(project, { recursive: true, force: true });
});

test('a client generated from the served document type-checks under strict tsc and plays start, turn, end', async () => {
  await run('node', [join(project, 'generate.mjs'), `${server.url}/openapi.json`, join(project, 'src/parley-api.ts')], {
    cwd: ROOT,
  });
  writeFileSync(join(project, 'src/client.ts'), CLIENT);
  const compiled = await run('node', [TSC, '-p', project], { cwd: project }).then(
    () => '',
    (e: { stdout: string }) => e.stdout,
  );
  expect(compiled).toBe('');

  const { stdout } = await run('node', [join(project, 'out/client.js'), server.url], { cwd: project });
  const result = JSON.parse(stdout) as Record<string, unknown>;
  expect(result).toMatchObject({
    startStatus: 201,
    dialogueId: expect.any(String),
    replyText: expect.any(String),
    endStatus: 200,
    goalAchieved: expect.any(Boolean),
    missingStatus: 404,
    errorCode: 'DialogueNotFound',
  });
}, 180_000);

test('a type error in the client is caught: the generated types are not any', async () => {
  writeFileSync(
    join(project, 'src/client.ts'),
    CLIENT.replace(
      "body: { messageId: 'turn-1', optionId: firstOption.id }",
      'body: { messageId: 1, optionId: firstOption.id }',
    ),
  );
  const compiled = await run('node', [TSC, '-p', project], { cwd: project }).then(
    () => '',
    (e: { stdout: string }) => e.stdout,
  );
  expect(compiled).toMatch(/src\/client\.ts\(\d+,\d+\): error TS2322/);
}, 180_000);
