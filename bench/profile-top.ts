// Summarize V8 `.cpuprofile` files (written by `node --cpu-prof`, e.g. under `BENCH_CPU_PROF`): self time
// per function, summed over every node with the same function name, file and line, top N.
// Usage: node dist/bench/profile-top.js [--top 10] [--busy] [--skip-ms 3000] <file.cpuprofile | dir>...
// (`--busy`: leave out idle and `(program)`; `--skip-ms`: leave out start-up). See docs/performance.md.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The part of V8's profile format this summary reads (Chrome DevTools protocol `Profiler.Profile`). */
export type CpuProfile = {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
};

/** One function's share: `selfMs` is the time the sampler found it on top of the stack. */
export type TopRow = { fn: string; where: string; selfMs: number; share: number };

const maps = new Map<string, SourceMap | null>();

/**
 * `file:line` of a frame, through the bundle's `.map` beside it when there is one (our bundles are
 * minified, so the bundle's own line says little); `''` for V8's pseudo-frames.
 */
function frameWhere(url: string, lineNumber: number, columnNumber: number): string {
  if (!url) return '';
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    maps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null);
  }
  const entry = maps.get(file)?.findEntry(lineNumber, columnNumber);
  if (entry && 'originalSource' in entry) {
    // Repo-relative for our sources, package-relative for dependencies.
    const source = entry.originalSource.replace(/^.*node_modules\//, '').replace(/^(\.\.\/)+/, '');
    return `${source}:${entry.originalLine + 1}`;
  }
  return `${path.basename(file)}:${lineNumber + 1}`;
}

/**
 * Self time by function (name + file basename + 1-based line), largest first. Time per sample comes
 * from `timeDeltas` (microseconds; each delta belongs to the sample it precedes); `(idle)`, `(program)`
 * and `(garbage collector)` are kept, as V8 names them, so the shares add up to the whole profile;
 * `idleMs` is the `(idle)` row's time. `skipMs` leaves out the profile's first milliseconds (start-up:
 * loading and compiling the bundle), so what remains is the process serving requests.
 */
export function profileTop(
  profile: CpuProfile,
  top: number,
  skipMs = 0,
): { totalMs: number; idleMs: number; rows: TopRow[] } {
  const key = new Map<number, string>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = n.callFrame;
    const where = frameWhere(url, lineNumber, columnNumber);
    key.set(n.id, `${functionName || '(anonymous)'}\t${where}`);
  }
  const selfUs = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = 0;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (at < skipMs * 1000) continue;
    const k = key.get(samples[i]!) ?? '(unknown)\t';
    // The next delta is the time until the next sample, i.e. how long this one stood for.
    const us = deltas[i + 1] ?? 0;
    selfUs.set(k, (selfUs.get(k) ?? 0) + Math.max(0, us));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const rows = [...selfUs.entries()]
    .map(([k, us]) => {
      const [fn = '', where = ''] = k.split('\t');
      return { fn, where, selfMs: us / 1000, share: totalUs ? us / totalUs : 0 };
    })
    .sort((a, b) => b.selfMs - a.selfMs);
  const idleMs = rows.find((r) => r.fn === '(idle)')?.selfMs ?? 0;
  return { totalMs: totalUs / 1000, idleMs, rows: rows.slice(0, top) };
}

function profileFiles(arg: string): string[] {
  if (!statSync(arg).isDirectory()) return [arg];
  return readdirSync(arg, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(arg, f));
}

function main(argv: string[]): void {
  let top = 10;
  let busyOnly = false;
  let skipMs = 0;
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else if (argv[i] === '--busy') busyOnly = true;
    else if (argv[i] === '--skip-ms') skipMs = Number(argv[++i]);
    else inputs.push(argv[i]!);
  }
  if (inputs.length === 0) {
    console.error('usage: profile-top [--top N] [--busy] [--skip-ms N] <file.cpuprofile | dir>...');
    process.exit(2);
  }
  for (const file of inputs.flatMap(profileFiles)) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const { totalMs, idleMs: idle, rows } = profileTop(profile, top + (busyOnly ? 2 : 0), skipMs);
    const shown = busyOnly ? rows.filter((r) => r.fn !== '(idle)' && r.fn !== '(program)').slice(0, top) : rows;
    const busy = totalMs - idle;
    console.log(`\n${file}: ${totalMs.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms not idle`);
    console.log('| self ms | % of busy | function | where |\n|---:|---:|---|---|');
    for (const r of shown) {
      const pct = busy ? ((100 * r.selfMs) / busy).toFixed(1) : '-';
      console.log(`| ${r.selfMs.toFixed(1)} | ${r.fn === '(idle)' ? '-' : pct} | ${r.fn} | ${r.where} |`);
    }
  }
}

if (require.main === module) main(process.argv.slice(2));
