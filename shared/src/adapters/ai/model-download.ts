import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ModelSource } from './model-source';

export type DownloadProgress = { downloadedBytes: number; totalBytes: number | null; resumedFrom: number };

/**
 * The local path of a model: the file itself, or its copy in `directory`, downloaded once.
 * A download goes to `<file>.part` and is renamed when complete; a `.part` left by an interrupted run
 * is continued with an HTTP Range request (a server that ignores Range restarts it from byte 0).
 * `onProgress` is called as bytes arrive. Redirects are followed (Hugging Face answers with one).
 * @throws Error naming the file or the URL and the HTTP status, when the file is missing or the
 *   server refuses; an abort rejects with the signal's reason and keeps the `.part` for next time.
 */
export async function ensureModelFile(
  source: ModelSource,
  options: {
    directory: string;
    signal?: AbortSignal;
    onProgress?: (p: DownloadProgress) => void;
    fetch?: typeof fetch;
  },
): Promise<string> {
  if (source.kind === 'file') {
    if (!existsSync(source.path)) throw new Error(`${source.path}: no such model file`);
    return source.path;
  }
  const target = join(options.directory, source.fileName);
  if (existsSync(target)) return target;
  mkdirSync(options.directory, { recursive: true });
  const part = `${target}.part`;
  const have = existsSync(part) ? statSync(part).size : 0;
  const res = await (options.fetch ?? fetch)(source.url, {
    headers: have > 0 ? { range: `bytes=${have}-` } : {},
    redirect: 'follow',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // 206: the server continues the file; 200: it sends it whole (Range ignored); 416: the part is already whole.
  if (res.status === 416 && have > 0) {
    renameSync(part, target);
    return target;
  }
  if (res.status !== 200 && res.status !== 206)
    throw new Error(`${source.uri}: download failed: HTTP ${res.status} from ${source.url}`);
  if (!res.body) throw new Error(`${source.uri}: download failed: empty answer from ${source.url}`);
  const resumedFrom = res.status === 206 ? have : 0;
  const length = Number(res.headers.get('content-length'));
  const totalBytes = Number.isFinite(length) && length > 0 ? resumedFrom + length : null;
  let downloadedBytes = resumedFrom;
  const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    downloadedBytes += chunk.length;
    options.onProgress?.({ downloadedBytes, totalBytes, resumedFrom });
  });
  await pipeline(
    body,
    createWriteStream(part, { flags: resumedFrom > 0 ? 'a' : 'w' }),
    options.signal ? { signal: options.signal } : {},
  );
  if (totalBytes !== null && statSync(part).size !== totalBytes) {
    throw new Error(
      `${source.uri}: download incomplete (${statSync(part).size} of ${totalBytes} bytes); run again to continue`,
    );
  }
  renameSync(part, target);
  return target;
}

/**
 * A progress reporter for a terminal: a redrawn bar on a TTY (`[#####-----] 48% 512/1066 MB`),
 * else a line every 10 %. `write` is where it goes (stderr in practice).
 */
export function progressReporter(
  label: string,
  write: (text: string) => void,
  isTty: boolean,
): (p: DownloadProgress) => void {
  let lastTenth = -1;
  const mb = (n: number) => (n / 1_048_576).toFixed(n < 10_485_760 ? 1 : 0);
  return (p) => {
    const ratio = p.totalBytes ? p.downloadedBytes / p.totalBytes : null;
    const amount = p.totalBytes ? `${mb(p.downloadedBytes)}/${mb(p.totalBytes)} MB` : `${mb(p.downloadedBytes)} MB`;
    const resumed = p.resumedFrom > 0 ? ` (resumed at ${mb(p.resumedFrom)} MB)` : '';
    if (isTty) {
      const filled = ratio === null ? 0 : Math.round(ratio * 30);
      const bar =
        ratio === null ? '' : `[${'#'.repeat(filled)}${'-'.repeat(30 - filled)}] ${Math.floor(ratio * 100)}% `;
      write(`\r${label}: ${bar}${amount}${resumed}${ratio === 1 ? '\n' : ''}`);
      return;
    }
    const tenth = ratio === null ? -1 : Math.floor(ratio * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      write(`${label}: ${tenth * 10}% ${amount}${resumed}\n`);
    }
  };
}
