import { execFileSync, spawn } from 'node:child_process';
import { freePort } from './http';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** Bundles what `npm start` runs (the standalone process and the playground). */
export function buildStandalone(): void {
  execFileSync('node', ['scripts/build.mjs', 'standalone', 'playground'], { cwd: ROOT, stdio: 'pipe' });
}

/** Bundles the typed client into client/dist (ESM, CJS and its generated declarations). */
export function buildClient(): void {
  execFileSync('node', ['scripts/build.mjs', 'client'], { cwd: ROOT, stdio: 'pipe' });
}

/** `node dist/standalone/index.js` on a free port with embedded defaults, ready when /readyz answers 200. */
export async function startStandalone(env: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawn('node', [join(ROOT, 'dist', 'standalone', 'index.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn', ...env },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`${url}/readyz`).catch(() => undefined);
    if (ready?.status === 200) break;
    if (child.exitCode !== null) throw new Error(`standalone exited: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
