// Bundles each function's composition root into dist/<function>/index.js (one file, node20), the
// standalone `npm start` process, the playground page and the typed client.
//   node scripts/build.mjs [name...]   every bundle, or only the named ones
// Each server bundle and the playground also get dist/<name>/meta.json (esbuild's list of inputs),
// which `npm run dev` reads to tell a current bundle from a stale one.
import { build } from 'esbuild';
import { sharedEntries } from './shared-entries.mjs';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Every server bundle: the function folders with a main.ts, and the standalone process. */
export function serverEntries() {
  const entries = readdirSync('functions', { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`functions/${d.name}/main.ts`))
    .map((d) => ({ name: d.name, main: `functions/${d.name}/main.ts` }));
  if (existsSync('standalone/main.ts')) entries.push({ name: 'standalone', main: 'standalone/main.ts' });
  return entries;
}

/** esbuild options of a server bundle (`minify: false` for the dev loop: faster, same behaviour). */
export function serverBundleOptions(entry, { minify = true } = {}) {
  return {
    entryPoints: [entry.main],
    outfile: `dist/${entry.name}/index.js`,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    // Whole minification halves what a cold start reads and parses (docs/performance.md);
    // keepNames keeps class names in logs and stack traces, the source map the rest.
    minify,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    // sentiment's require() of other languages' folders matches nothing: Parley loads English only.
    logOverride: { 'empty-glob': 'silent' },
    metafile: true,
    plugins: [sharedEntries],
    // Optional native speed-ups that ioredis/amqplib probe for; absent on purpose.
    external: ['node-llama-cpp', 'pino-pretty'],
    // jsonc-parser's main entry is UMD, whose dynamic require() esbuild cannot follow: take its ESM build.
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  };
}

/** esbuild options of the playground page that `npm start` serves at / (React, no external requests). */
export function playgroundOptions({ minify = true } = {}) {
  return {
    entryPoints: ['playground/src/main.tsx'],
    outfile: 'dist/playground/app.js',
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    jsx: 'automatic',
    minify,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [sharedEntries],
    define: { 'process.env.NODE_ENV': '"production"' },
  };
}

/** Builds with `options` and writes the inputs esbuild read beside the output (meta.json). */
export async function buildWithMeta(options) {
  const result = await build(options);
  writeFileSync(
    path.join(path.dirname(options.outfile), 'meta.json'),
    JSON.stringify({ inputs: Object.keys(result.metafile.inputs) }),
  );
  return result;
}

/** The playground's page and style sheet, copied beside its bundle. */
export function copyPlaygroundStatic() {
  mkdirSync('dist/playground', { recursive: true });
  for (const file of ['index.html', 'playground.css']) copyFileSync(`playground/${file}`, `dist/playground/${file}`);
}

async function buildClient() {
  const common = {
    entryPoints: ['client/src/index.ts'],
    bundle: true,
    platform: 'neutral',
    target: 'es2022',
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [sharedEntries],
  };
  // Loaded here only: the function images copy this file alone and never build the client.
  const { writeClientTypes } = await import('./client-types.mjs');
  const { generateDtsBundle } = createRequire(import.meta.url)('dts-bundle-generator');
  await writeClientTypes();
  await Promise.all([
    build({ ...common, outfile: 'client/dist/index.js', format: 'esm' }),
    build({ ...common, outfile: 'client/dist/index.cjs', format: 'cjs' }),
  ]);
  // One flat declaration file (the generated API types inlined, no import), for both conditions of
  // the exports map: .d.ts for import, .d.cts for require.
  const [dts] = generateDtsBundle(
    [{ filePath: 'client/src/index.ts', output: { noBanner: true, exportReferencedTypes: false } }],
    { preferredConfigPath: 'client/tsconfig.json' },
  );
  writeFileSync('client/dist/index.d.ts', dts);
  writeFileSync('client/dist/index.d.cts', dts);
}

async function main(only) {
  const wanted = (name) => only.length === 0 || only.includes(name);
  const servers = serverEntries().filter((e) => wanted(e.name));
  await Promise.all(servers.map((e) => buildWithMeta(serverBundleOptions(e))));
  const web = [];
  if (wanted('client')) {
    web.push('client');
    await buildClient();
  }
  if (wanted('playground') && existsSync('playground/src/main.tsx')) {
    web.push('playground');
    await buildWithMeta(playgroundOptions());
    copyPlaygroundStatic();
  }
  console.log(`built ${[...servers.map((e) => e.name), ...web].join(', ')}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename))
  await main(process.argv.slice(2));
