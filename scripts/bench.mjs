// `npm run bench`: bundles the bench driver and the baseline server (and bench/llama-bench.ts when
// it exists) next to the functions' bundles, then runs the driver with this script's arguments
// (`--quick`: the short run CI uses). See docs/performance.md.
import { build } from 'esbuild';
import { sharedEntries } from './shared-entries.mjs';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const entries = [
  ['bench/run-bench.ts', 'dist/bench/index.js'],
  ['bench/baseline-server.ts', 'dist/bench/baseline-server.js'],
  ['bench/express-hello.ts', 'dist/bench/express-hello.js'],
  ['bench/profile-top.ts', 'dist/bench/profile-top.js'],
  ...(existsSync('bench/llama-bench.ts') ? [['bench/llama-bench.ts', 'dist/bench/llama-bench.js']] : []),
];
await Promise.all(
  entries.map(([entry, outfile]) =>
    build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      logLevel: 'warning',
      plugins: [sharedEntries],
      // esbuild's own API must stay in node_modules (the llama bench builds bundles with it).
      external: ['node-llama-cpp', 'pino-pretty', 'esbuild'],
      // jsonc-parser's main entry is UMD, whose dynamic require() esbuild cannot follow: take its ESM build.
      alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    }),
  ),
);
const run = spawnSync(process.execPath, ['dist/bench/index.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
