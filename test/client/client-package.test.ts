/**
 * @parley/client the way a game's project gets it: `npm pack` of client/, the tarball installed into
 * a fresh project outside this repository, client/README.md's example compiled there under `strict`
 * with only the package's own declarations (no zod, no Parley source, no @types), then run against
 * the real `npm start` bundle. Both conditions of the exports map are checked: import and require.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, buildClient, buildStandalone, startStandalone } from '../support/standalone-process';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const project = mkdtempSync(join(tmpdir(), 'parley-client-user-'));

let server: Awaited<ReturnType<typeof startStandalone>>;
let packed: { filename: string; files: Array<{ path: string }> };

beforeAll(async () => {
  buildStandalone();
  buildClient();
  server = await startStandalone({ SCRIPTED_CHUNK_DELAY_MS: '1' });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', project], { cwd: join(ROOT, 'client') });
  packed = (JSON.parse(stdout) as Array<typeof packed>)[0]!;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-game', private: true, type: 'module' }));
  // The client has no dependency, so the install needs no registry.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(project, packed.filename)], {
    cwd: project,
  });
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: [],
        skipLibCheck: false,
        outDir: 'out',
      },
      include: ['src'],
    }),
  );
  mkdirSync(join(project, 'src'));
}, 180_000);
afterAll(async () => {
  await server?.close();
  rmSync(project, { recursive: true, force: true });
});

/** The first ```ts block of client/README.md's Example section, pointed at the test server. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'client', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Example'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('client/README.md has no ts example');
  return code.replaceAll('http://localhost:8080', server.url);
}

const compile = () =>
  run('node', [TSC, '-p', project], { cwd: project }).then(
    () => '',
    (e: { stdout: string }) => e.stdout,
  );

test('the tarball holds the bundles, both declaration files and no source', () => {
  const files = packed.files.map((f) => f.path).sort();
  expect(files).toEqual(
    expect.arrayContaining([
      'package.json',
      'README.md',
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
    ]),
  );
  expect(
    files.filter((f) => f.startsWith('src/') || (f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.d.cts'))),
  ).toEqual([]);
  const dts = readFileSync(join(project, 'node_modules', '@parley', 'client', 'dist', 'index.d.ts'), 'utf8');
  // Self-contained: no import of any module, relative or not.
  expect(dts).not.toMatch(/\bfrom\s+['"]|import\(|require\(/);
});

test("the README's example compiles under strict in the user's project and plays a dialogue against the server", async () => {
  writeFileSync(join(project, 'src', 'example.ts'), readmeExample());
  expect(await compile()).toBe('');
  const { stdout } = await run('node', [join(project, 'out', 'example.js')], { cwd: project });
  // No strategyId in the example: the goal's first strategy (flatter, first in the character file) is used and named.
  expect(stdout).toMatch(/^Mara Thistledown: .+\(strategy flatter\)$/m);
  expect(stdout).toMatch(/^goal progress [\d.]+ -> [\d.]+$/m);
  expect(stdout).toMatch(/^refused: 422 InvalidStrategy/m);
  expect(stdout).toMatch(/^goal achieved: (true|false); .+/m);
}, 120_000);

test('the require condition has its own declarations and bundle', async () => {
  writeFileSync(
    join(project, 'src', 'example.ts'),
    '', // only the CommonJS file this time
  );
  writeFileSync(
    join(project, 'src', 'commonjs.cts'),
    `import { createParleyClient, ParleyApiError, type PublicCharacter } from '@parley/client';
async function main(): Promise<void> {
  const client = createParleyClient({ baseUrl: ${JSON.stringify(server.url)} });
  const characters: PublicCharacter[] = await client.listCharacters();
  const missing = await client.getCharacter('nobody').catch((e: unknown) => e);
  console.log(characters.length, missing instanceof ParleyApiError ? missing.code : 'not a ParleyApiError');
}
void main();
`,
  );
  expect(await compile()).toBe('');
  expect(readFileSync(join(project, 'out', 'commonjs.cjs'), 'utf8')).toContain('require("@parley/client")');
  const { stdout } = await run('node', [join(project, 'out', 'commonjs.cjs')], { cwd: project });
  expect(stdout.trim()).toMatch(/^[1-9]\d* CharacterNotFound$/);
}, 120_000);

test('the declarations are real types: a wrong use does not compile', async () => {
  rmSync(join(project, 'src', 'commonjs.cts'), { force: true });
  writeFileSync(
    join(project, 'src', 'example.ts'),
    `import { createParleyClient } from '@parley/client';
const client = createParleyClient({ baseUrl: 'http://localhost:8080' });
const first = (await client.listCharacters())[0];
const n: number = first.name;
await client.startDialogue({ characterId: 'x' });
export { n };
`,
  );
  const errors = await compile();
  expect(errors).toMatch(/TS18048: 'first' is possibly 'undefined'/);
  expect(errors).toMatch(/TS2322: Type 'string' is not assignable to type 'number'/);
  expect(errors).toMatch(/TS2345: .*goalId/);
}, 120_000);
