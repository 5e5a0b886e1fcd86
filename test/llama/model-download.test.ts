/**
 * LLAMA_MODEL=hf:... downloads: against a loopback file server that answers like the Hugging Face hub
 * (a redirect to the file, Range requests), serving the tiny test model. No real model is fetched.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureModelFile, parseModelSource, progressReporter, type DownloadProgress } from '@parley/shared/composition';
import { TINY_MODEL, buildBundle, startBundle, tinyModelPresent, waitReady } from '../support/llama-process';

if (!tinyModelPresent)
  console.warn(`model download tests SKIPPED: no model at ${TINY_MODEL} (see ../shared/models/README.md)`);
const describeWithModel = tinyModelPresent ? describe : describe.skip;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Hub = { endpoint: string; requests: Array<{ path: string; range: string | undefined }>; close(): Promise<void> };

/**
 * `/<user>/<repo>/resolve/main/<file>` redirects to `/cdn/<file>`, which serves the bytes in 64 kB
 * pieces (paced so a test can stop midway), honouring `Range: bytes=N-` unless `ignoreRange`.
 */
async function startHub(data: Buffer, options: { ignoreRange?: boolean; paceMs?: number } = {}): Promise<Hub> {
  const requests: Hub['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', range: req.headers.range });
    if (req.url === '/parley-test/tiny-GGUF/resolve/main/stories260K.gguf') {
      res.writeHead(302, { location: '/cdn/stories260K.gguf' }).end();
      return;
    }
    if (req.url !== '/cdn/stories260K.gguf') {
      res.writeHead(404).end('Entry not found');
      return;
    }
    const m = options.ignoreRange ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    res.writeHead(m ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(data.length - start),
      ...(m ? { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
    });
    let pos = start;
    const next = () => {
      if (res.destroyed) return;
      if (pos >= data.length) return void res.end();
      const end = Math.min(data.length, pos + 65_536);
      res.write(data.subarray(pos, end));
      pos = end;
      setTimeout(next, options.paceMs ?? 0);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describeWithModel('ensureModelFile: a model by URI, downloaded once into the cache folder', () => {
  const model = tinyModelPresent ? readFileSync(TINY_MODEL) : Buffer.alloc(0);
  const uri = 'hf:parley-test/tiny-GGUF/stories260K.gguf';
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-models-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('follows the hub redirect, reports progress up to the size, and is not fetched again', async () => {
    const hub = await startHub(model);
    try {
      const seen: DownloadProgress[] = [];
      const file = await ensureModelFile(parseModelSource(uri, hub.endpoint), {
        directory: dir,
        onProgress: (p) => seen.push(p),
      });
      expect(path.basename(file)).toBe('parley-test__tiny-GGUF__stories260K.gguf');
      expect(sha(readFileSync(file))).toBe(sha(model));
      expect(existsSync(`${file}.part`)).toBe(false);
      expect(hub.requests.map((r) => r.path)).toEqual([
        '/parley-test/tiny-GGUF/resolve/main/stories260K.gguf',
        '/cdn/stories260K.gguf',
      ]);
      expect(seen.length).toBeGreaterThan(1);
      expect(seen.every((p, i) => i === 0 || p.downloadedBytes > seen[i - 1]!.downloadedBytes)).toBe(true);
      expect(seen[seen.length - 1]).toEqual({
        downloadedBytes: model.length,
        totalBytes: model.length,
        resumedFrom: 0,
      });

      // Cached: the second start asks nothing of the network.
      await expect(ensureModelFile(parseModelSource(uri, hub.endpoint), { directory: dir })).resolves.toBe(file);
      expect(hub.requests).toHaveLength(2);
    } finally {
      await hub.close();
    }
  });

  it('continues an interrupted download from where it stopped (Range), and the file is whole', async () => {
    const hub = await startHub(model, { paceMs: 20 });
    try {
      const controller = new AbortController();
      const source = parseModelSource(uri, hub.endpoint);
      const first = ensureModelFile(source, {
        directory: dir,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.downloadedBytes >= 300_000) controller.abort();
        },
      });
      await expect(first).rejects.toThrow();
      const part = path.join(dir, 'parley-test__tiny-GGUF__stories260K.gguf.part');
      const kept = statSync(part).size;
      // What reached the disk before the abort (a little less than what was received).
      expect(kept).toBeGreaterThan(100_000);
      expect(kept).toBeLessThan(model.length);

      const seen: DownloadProgress[] = [];
      const file = await ensureModelFile(source, { directory: dir, onProgress: (p) => seen.push(p) });
      expect(sha(readFileSync(file))).toBe(sha(model));
      expect(hub.requests.filter((r) => r.path.startsWith('/cdn/')).map((r) => r.range)).toEqual([
        undefined,
        `bytes=${kept}-`,
      ]);
      expect(seen[0]!.resumedFrom).toBe(kept);
      expect(seen[seen.length - 1]!.downloadedBytes).toBe(model.length);
    } finally {
      await hub.close();
    }
  });

  it('starts over when the server ignores Range', async () => {
    const hub = await startHub(model, { ignoreRange: true, paceMs: 20 });
    try {
      const controller = new AbortController();
      const source = parseModelSource(uri, hub.endpoint);
      await expect(
        ensureModelFile(source, {
          directory: dir,
          signal: controller.signal,
          onProgress: (p) => p.downloadedBytes >= 200_000 && controller.abort(),
        }),
      ).rejects.toThrow();
      const file = await ensureModelFile(source, { directory: dir });
      expect(sha(readFileSync(file))).toBe(sha(model));
    } finally {
      await hub.close();
    }
  });

  it('names the URI, the URL and the status when the hub has no such file, and leaves nothing behind', async () => {
    const hub = await startHub(model);
    try {
      const source = parseModelSource('hf:parley-test/tiny-GGUF/missing.gguf', hub.endpoint);
      await expect(ensureModelFile(source, { directory: dir })).rejects.toThrow(
        `hf:parley-test/tiny-GGUF/missing.gguf: download failed: HTTP 404 from ${hub.endpoint}/parley-test/tiny-GGUF/resolve/main/missing.gguf`,
      );
      expect(existsSync(path.join(dir, 'parley-test__tiny-GGUF__missing.gguf'))).toBe(false);
    } finally {
      await hub.close();
    }
  });
});

describeWithModel('npm start with LLAMA_MODEL=hf:...', () => {
  it('downloads the model into LLAMA_MODEL_DIR with progress on stderr, then loads it', async () => {
    const model = readFileSync(TINY_MODEL);
    const hub = await startHub(model);
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-models-'));
    const bundle = await buildBundle('standalone');
    let running: Awaited<ReturnType<typeof startBundle>> | undefined;
    try {
      running = await startBundle(bundle.file, {
        AI_PROVIDER: 'llama',
        LLAMA_MODEL: 'hf:parley-test/tiny-GGUF/stories260K.gguf',
        HF_ENDPOINT: hub.endpoint,
        LLAMA_MODEL_DIR: dir,
        LLAMA_MAX_TOKENS: '16',
        LLAMA_CONTEXT_SIZE: '2048',
      });
      await waitReady(running.url);
      expect(sha(readFileSync(path.join(dir, 'parley-test__tiny-GGUF__stories260K.gguf')))).toBe(sha(model));
      // Not a terminal: one line per 10 %.
      expect(running.output()).toContain('downloading parley-test__tiny-GGUF__stories260K.gguf: 100% 1.1/1.1 MB');
      // Ready means the downloaded file loaded into llama.cpp (readiness asks the provider).
      const ready = await fetch(`${running.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(JSON.stringify(await ready.json())).toContain('"ai"');
    } finally {
      await running?.stop();
      bundle.cleanup();
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('progressReporter', () => {
  const MB = 1_048_576;
  it('redraws one bar on a terminal', () => {
    const out: string[] = [];
    const report = progressReporter('model', (t) => out.push(t), true);
    report({ downloadedBytes: 5 * MB, totalBytes: 20 * MB, resumedFrom: 0 });
    report({ downloadedBytes: 20 * MB, totalBytes: 20 * MB, resumedFrom: 0 });
    expect(out).toEqual([
      `\rmodel: [########----------------------] 25% 5.0/20 MB`,
      `\rmodel: [##############################] 100% 20/20 MB\n`,
    ]);
  });
  it('writes a line per 10 % elsewhere, saying where it resumed', () => {
    const out: string[] = [];
    const report = progressReporter('model', (t) => out.push(t), false);
    for (let mb = 4; mb <= 20; mb++) report({ downloadedBytes: mb * MB, totalBytes: 20 * MB, resumedFrom: 4 * MB });
    expect(out[0]).toBe('model: 20% 4.0/20 MB (resumed at 4.0 MB)\n');
    expect(out).toHaveLength(9);
    expect(out[out.length - 1]).toBe('model: 100% 20/20 MB (resumed at 4.0 MB)\n');
  });
});
