import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';

/**
 * CPUs this process may really use: the cores it is allowed to run on, capped by a cgroup v2 CPU
 * quota (a Kubernetes CPU limit), which `availableParallelism()` does not see.
 */
export function availableCores(
  readCpuMax: () => string | undefined = readCgroupCpuMax,
  cores: number = availableParallelism(),
): number {
  const [quota, period] = (readCpuMax() ?? '').trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  if (quota === undefined || quota === 'max' || !Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0)
    return cores;
  return Math.max(1, Math.min(cores, Math.floor(q / p)));
}

function readCgroupCpuMax(): string | undefined {
  try {
    return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * llama.cpp's threads: one core is left to Node's event loop (with every core busy computing, the
 * loop starves and generation slows a thousandfold on a 2-core box), at least one; `configured` wins.
 */
export function llamaThreads(configured: number | undefined, cores: number = availableCores()): number {
  return configured ?? Math.max(1, cores - 1);
}
