import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export type Started = { name: string; url: string; child: ChildProcess; coldStartMs: number; stderr: () => string };

function readyOnce(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/readyz`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

/**
 * Node flags for a bundle: with `BENCH_CPU_PROF=<dir>` each process runs under `--cpu-prof` and writes
 * its `.cpuprofile` into `<dir>/<name>/` when it exits (the bench stops every bundle with SIGTERM, which
 * each `main.ts` turns into a normal exit, so the profile is written).
 */
function nodeFlags(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return [];
  const own = path.resolve(dir, name);
  mkdirSync(own, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${own}`];
}

/**
 * Start a bundle as its own process and time it from spawn to the first 200 on `/readyz` (polled
 * every 2 ms). Its stdout (JSON logs) is discarded, as a log shipper would take it away.
 */
export async function startBundle(
  name: string,
  script: string,
  port: number,
  env: Record<string, string>,
): Promise<Started> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags(name), script], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${stderr.trim()}`);
    if (await readyOnce(url)) break;
    if (performance.now() - started > 20_000) throw new Error(`${name} not ready in 20 s: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return { name, url, child, coldStartMs: performance.now() - started, stderr: () => stderr };
}

export function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export async function stop(started: Started): Promise<void> {
  if (started.child.exitCode !== null) return;
  const exited = new Promise((r) => started.child.once('exit', r));
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
