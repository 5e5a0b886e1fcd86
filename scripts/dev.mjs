// npm run dev: the edit loop. Starts `npm start`'s process without rebuilding what is current, then
// rebuilds only the bundle a changed source belongs to (restarting the server when its bundle
// changed) while the server itself reloads content/characters on change (CHARACTERS_RELOAD=true).
// Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, watch } from 'node:fs';
import path from 'node:path';
import { buildWithMeta, copyPlaygroundStatic, playgroundOptions, serverBundleOptions } from './build.mjs';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);
const log = (line) => process.stderr.write(`dev: ${line}\n`);

/** The two bundles the dev loop runs. `static` files are copied, not bundled. */
const bundles = [
  {
    name: 'standalone',
    out: 'dist/standalone/index.js',
    options: () => serverBundleOptions({ name: 'standalone', main: 'standalone/main.ts' }, { minify: false }),
  },
  {
    name: 'playground',
    out: 'dist/playground/app.js',
    options: () => playgroundOptions({ minify: false }),
    static: ['playground/index.html', 'playground/playground.css'],
  },
];

const inputsOf = (bundle) => {
  const meta = path.join(path.dirname(bundle.out), 'meta.json');
  return existsSync(meta) ? JSON.parse(readFileSync(meta, 'utf8')).inputs : null;
};
const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : Infinity);

/**
 * Why `bundle` must be rebuilt, or null when it is current: its output is newer than each of its own
 * inputs, than package-lock.json (dependencies) and than the build script.
 */
function staleReason(bundle) {
  const inputs = inputsOf(bundle);
  if (!existsSync(bundle.out) || !inputs) return 'never built';
  const built = statSync(bundle.out).mtimeMs;
  const own = inputs.filter((f) => !f.includes('node_modules/'));
  const newer = [...own, ...(bundle.static ?? []), 'package-lock.json', 'scripts/build.mjs'].find(
    (f) => mtime(f) > built,
  );
  return newer ? `${newer} changed` : null;
}

async function rebuild(bundle, reason) {
  const started = Date.now();
  await buildWithMeta(bundle.options());
  if (bundle.static) copyPlaygroundStatic();
  log(`rebuilt ${bundle.name} (${reason}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

let server = null;
function startServer() {
  server = spawn(process.execPath, ['--enable-source-maps', 'dist/standalone/index.js'], {
    stdio: 'inherit',
    env: { CHARACTERS_RELOAD: 'true', ...process.env },
  });
  const child = server;
  child.on('exit', (code, signal) => {
    if (server === child && signal === null)
      log(`server exited with status ${code}; fix the cause and save a file to restart it`);
  });
}
function stopServer() {
  const child = server;
  server = null;
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

for (const bundle of bundles) {
  const reason = staleReason(bundle);
  if (reason) await rebuild(bundle, reason);
  else log(`${bundle.name} is current, not rebuilt`);
}
startServer();

// Rebuild only the bundles whose inputs changed; a burst of saves is one rebuild.
const pending = new Set();
let timer = null;
let busy = Promise.resolve();
function onChange(file) {
  pending.add(file);
  clearTimeout(timer);
  timer = setTimeout(() => {
    const changed = [...pending];
    pending.clear();
    busy = busy.then(async () => {
      let restart = false;
      for (const bundle of bundles) {
        const inputs = new Set([...(inputsOf(bundle) ?? []), ...(bundle.static ?? [])]);
        const hit = changed.find((f) => inputs.has(f));
        if (!hit) continue;
        try {
          await rebuild(bundle, `${hit} changed`);
          if (bundle.name === 'standalone') restart = true;
        } catch (err) {
          log(`${bundle.name} did not build, keeping the last one: ${err.message.split('\n')[0]}`);
        }
      }
      if (restart) {
        await stopServer();
        startServer();
      }
    });
  }, 200);
}
const watchers = ['shared', 'functions', 'standalone', 'playground', 'client/src'].map((dir) =>
  watch(dir, { recursive: true }, (_event, name) => {
    if (name && /\.(ts|tsx|css|html|json)$/.test(name) && !name.endsWith('.test.ts'))
      onChange(path.join(dir, name.toString()).split(path.sep).join('/'));
  }),
);
log('watching the sources; content/characters is reloaded by the server itself');

const shutdown = async () => {
  for (const w of watchers) w.close();
  clearTimeout(timer);
  await stopServer();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
