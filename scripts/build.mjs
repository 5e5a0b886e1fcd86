// Bundles each function's composition root into dist/<function>/index.js (one file, node20).
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';

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
        minifySyntax: true,
        legalComments: 'none',
        logLevel: 'warning',
        // Optional native speed-ups that ioredis/amqplib probe for; absent on purpose.
        external: ['node-llama-cpp', 'pino-pretty'],
      }),
    ),
);
console.log(`built ${entries.map((e) => e.name).join(', ')}`);
