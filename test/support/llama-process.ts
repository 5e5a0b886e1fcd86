import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { build } from 'esbuild';

export const repoRoot = path.resolve(__dirname, '..', '..');
/**
 * The tiny test model (see ../shared/models/README.md); `PARLEY_TINY_MODEL` points elsewhere (a checkout
 * that is not a sibling of the handbook, such as a second worktree).
 */
export const TINY_MODEL =
  process.env.PARLEY_TINY_MODEL ?? path.resolve(repoRoot, '..', 'shared', 'models', 'stories260K.gguf');
export const tinyModelPresent = existsSync(TINY_MODEL);

/**
 * node-llama-cpp is ESM with top-level await; jest's sandbox cannot `import()` it. So the llama
 * tests run the real bundles in child processes, as production does. They are written under
 * node_modules/.cache so that Node resolves the external node-llama-cpp from the repo.
 */
export async function buildBundle(entry: 'ai-generate' | 'standalone'): Promise<{ file: string; cleanup(): void }> {
  const dir = path.join(repoRoot, 'node_modules', '.cache', `parley-llama-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${entry}.js`);
  await build({
    entryPoints: [path.join(repoRoot, entry === 'standalone' ? 'standalone/main.ts' : `functions/${entry}/main.ts`)],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
    external: ['node-llama-cpp', 'pino-pretty'],
    // jsonc-parser's main entry is UMD, whose dynamic require() esbuild cannot follow: take its ESM build.
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  });
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Running = { url: string; child: ChildProcess; rssMb(): number; stop(): Promise<void>; output(): string };

/** Starts a bundle on a free port with the given env; resolves once it listens. */
export async function startBundle(file: string, env: Record<string, string>): Promise<Running> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [file], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`bundle exited: ${output}`);
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch {
      if (i > 200) throw new Error(`bundle did not listen: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    child,
    output: () => output,
    rssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Polls /readyz until it answers 200. */
export async function waitReady(url: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if ((await fetch(`${url}/readyz`)).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} never became ready`);
}
