/**
 * The `llama` provider with the tiny model: time to first token and tokens/s through ai-generate's
 * HTTP route, beside the same figures from node-llama-cpp called directly, in the same run and with
 * the same prompt, threads and token budget. The ratio is the gateway's overhead.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildMessages, toCompletionPrompt, llamaThreads } from '@parley/shared/composition';
import { readSseFrames } from '@parley/shared/http';
import {
  TINY_MODEL,
  buildBundle,
  repoRoot,
  startBundle,
  tinyModelPresent,
  waitReady,
} from '../test/support/llama-process';
import type { BenchLine } from './bench-line';

/** Runs per side, in ROUNDS alternating batches (direct, gateway, direct...): a busy machine's load drifts. */
const RUNS = 18;
const ROUNDS = 3;
const MAX_TOKENS = 64;
const SECTION = 'llama (stories260K)';
const INPUT = { prompt: 'Once upon a time', maxTokens: MAX_TOKENS, seed: 1 };

/** One generation: time to first token, to the end, and the tokens generated. */
type Run = { ttftMs: number; totalMs: number; tokens: number };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** node-llama-cpp alone, in its own process (it is ESM with top-level await): the baseline. */
const DIRECT = `
import { getLlama, LlamaLogLevel, LlamaCompletion } from 'node-llama-cpp';
const [modelPath, threads, runs, maxTokens, prompt] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]), process.argv[6]];
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ sequences: 1, contextSize: 2048, threads });
const sequence = context.getSequence();
const out = [];
// The first run warms the process up and is not counted.
for (let i = 0; i <= runs; i++) {
  const completion = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
  let first, tokens = 0;
  const t0 = performance.now();
  await completion.generateCompletion(prompt, { maxTokens, temperature: 0.8, seed: 1, onToken: (t) => { first ??= performance.now() - t0; tokens += t.length; } });
  if (i > 0) out.push({ ttftMs: first, totalMs: performance.now() - t0, tokens });
  completion.dispose();
  await sequence.clearHistory();
}
console.log(JSON.stringify(out));
process.exit(0);
`;

async function direct(prompt: string, threads: number, runs: number): Promise<Run[]> {
  // Under the repo so that Node resolves node-llama-cpp from its node_modules; .cache does not
  // exist in a fresh clone until something creates it.
  const cache = path.join(repoRoot, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'llama-direct-'));
  const file = path.join(dir, 'direct.mjs');
  writeFileSync(file, DIRECT);
  try {
    const child = spawn(
      process.execPath,
      [file, TINY_MODEL, String(threads), String(runs), String(MAX_TOKENS), prompt],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    return JSON.parse(out.trim().split('\n').at(-1)!) as Run[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ai-generate with the llama provider, started once; `run(n)` times n requests after one warm-up. */
async function startGateway(threads: number): Promise<{ run(runs: number): Promise<Run[]>; stop(): Promise<void> }> {
  const bundle = await buildBundle('ai-generate');
  const ai = await startBundle(bundle.file, {
    AI_PROVIDER: 'llama',
    LLAMA_MODEL_PATH: TINY_MODEL,
    LLAMA_THREADS: String(threads),
    LLAMA_GPU: 'false',
    LLAMA_CONTEXT_SIZE: '2048',
    LLAMA_PARALLEL: '1',
  });
  let warm = false;
  const run = async (runs: number): Promise<Run[]> => {
    const out: Run[] = [];
    // Run 0, the first request of the first batch, warms the route up and is not counted.
    for (let i = warm ? 1 : 0; i <= runs; i++) {
      const t0 = performance.now();
      const res = await fetch(`${ai.url}/v1/tasks/text.generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: INPUT, stream: true }),
      });
      let first: number | undefined;
      let tokens = 0;
      for await (const frame of readSseFrames(res.body!)) {
        if (first === undefined && frame.event === 'delta') first = performance.now() - t0;
        if (frame.event === 'done')
          tokens = (JSON.parse(frame.data) as { meta: { usage: { completion: number } } }).meta.usage.completion;
      }
      if (i > 0) out.push({ ttftMs: first ?? Number.NaN, totalMs: performance.now() - t0, tokens });
    }
    warm = true;
    return out;
  };
  try {
    await waitReady(ai.url);
  } catch (err) {
    await ai.stop();
    bundle.cleanup();
    throw err;
  }
  return {
    run,
    async stop() {
      await ai.stop();
      bundle.cleanup();
    },
  };
}

export async function runLlamaBench(): Promise<BenchLine[]> {
  if (!tinyModelPresent)
    return [{ section: SECTION, name: 'skipped', value: 0, unit: '', note: `no model at ${TINY_MODEL}` }];
  const threads = llamaThreads(undefined);
  const prompt = toCompletionPrompt(
    buildMessages('text.generate', INPUT),
    { player: 'Player', character: 'Assistant' },
    '',
  );
  const base: Run[] = [];
  const gw: Run[] = [];
  const gateway = await startGateway(threads);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      base.push(...(await direct(prompt, threads, RUNS / ROUNDS)));
      gw.push(...(await gateway.run(RUNS / ROUNDS)));
    }
  } finally {
    await gateway.stop();
  }
  const tps = (runs: typeof base) => median(runs.map((r) => r.tokens / Math.max(1e-3, (r.totalMs - r.ttftMs) / 1000)));
  const baseTtft = median(base.map((r) => r.ttftMs));
  const gwTtft = median(gw.map((r) => r.ttftMs));
  const baseTps = tps(base);
  const gwTps = tps(gw);
  const note = `${RUNS} runs in ${ROUNDS} alternating rounds, ${MAX_TOKENS} tokens, ${threads} thread(s), medians`;
  return [
    { section: SECTION, name: 'direct node-llama-cpp: time to first token', value: round(baseTtft), unit: 'ms', note },
    { section: SECTION, name: 'direct node-llama-cpp: tokens/s', value: round(baseTps), unit: 'tok/s', note },
    {
      section: SECTION,
      name: 'gateway HTTP route: time to first token',
      value: round(gwTtft),
      unit: 'ms',
      baseline: round(baseTtft),
      ratio: round(gwTtft / baseTtft),
      target: '<= 1.3 x direct',
      pass: gwTtft <= 1.3 * baseTtft,
      note,
    },
    {
      section: SECTION,
      name: 'gateway HTTP route: tokens/s',
      value: round(gwTps),
      unit: 'tok/s',
      baseline: round(baseTps),
      ratio: round(gwTps / baseTps),
      target: '>= 0.9 x direct',
      pass: gwTps >= 0.9 * baseTps,
      note,
    },
  ];
}

const round = (n: number) => Math.round(n * 100) / 100;
