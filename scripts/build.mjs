// Bundles each function's composition root into dist/<function>/index.js (one file, node20).
import { build } from 'esbuild';
import { sharedEntries } from './shared-entries.mjs';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const entries = readdirSync('functions', { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`functions/${d.name}/main.ts`))
  .map((d) => ({ name: d.name, main: `functions/${d.name}/main.ts` }));
if (existsSync('standalone/main.ts')) entries.push({ name: 'standalone', main: 'standalone/main.ts' });

const only = process.argv.slice(2);
await Promise.all(
  entries
    .filter((e) => only.length === 0 || only.includes(e.name))
    .map((e) =>
      build({
        entryPoints: [e.main],
        outfile: `dist/${e.name}/index.js`,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        sourcemap: true,
        // Whole minification halves what a cold start reads and parses (docs/performance.md);
        // keepNames keeps class names in logs and stack traces, the source map the rest.
        minify: true,
        keepNames: true,
        legalComments: 'none',
        logLevel: 'warning',
        plugins: [sharedEntries],
        // Optional native speed-ups that ioredis/amqplib probe for; absent on purpose.
        external: ['node-llama-cpp', 'pino-pretty'],
        // jsonc-parser's main entry is UMD, whose dynamic require() esbuild cannot follow: take its ESM build.
        alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
      }),
    ),
);
// The typed client (client/dist: ESM and CJS, browsers and Node, with its own flat declarations) and
// the playground page that `npm start` serves at / (dist/playground: React, no external requests).
const web = [];
if (only.length === 0 || only.includes('client')) {
  web.push('client');
  const common = { entryPoints: ['client/src/index.ts'], bundle: true, platform: 'neutral', target: 'es2022', sourcemap: true, legalComments: 'none', logLevel: 'warning', plugins: [sharedEntries] };
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
  const [dts] = generateDtsBundle([{ filePath: 'client/src/index.ts', output: { noBanner: true, exportReferencedTypes: false } }], { preferredConfigPath: 'client/tsconfig.json' });
  writeFileSync('client/dist/index.d.ts', dts);
  writeFileSync('client/dist/index.d.cts', dts);
}
if ((only.length === 0 || only.includes('playground')) && existsSync('playground/src/main.tsx')) {
  web.push('playground');
  await build({
    entryPoints: ['playground/src/main.tsx'],
    outfile: 'dist/playground/app.js',
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    jsx: 'automatic',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
        plugins: [sharedEntries],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  mkdirSync('dist/playground', { recursive: true });
  for (const file of ['index.html', 'playground.css']) copyFileSync(`playground/${file}`, `dist/playground/${file}`);
}
console.log(`built ${[...entries.filter((e) => only.length === 0 || only.includes(e.name)).map((e) => e.name), ...web].join(', ')}`);
