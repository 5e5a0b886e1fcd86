import http from 'node:http';

/** Latency samples in ms and what they make. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export type Answer = { status: number; body: string; firstEventMs?: number };

/**
 * One HTTP request on a keep-alive socket. With `firstEvent`, the time from sending to the first
 * SSE frame of that event type is measured as bytes arrive.
 */
export function request(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; firstEvent?: string | undefined } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      url,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        agent,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        let firstEventMs: number | undefined;
        const marker = options.firstEvent ? `event: ${options.firstEvent}\n` : undefined;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (marker && firstEventMs === undefined && body.includes(marker)) firstEventMs = performance.now() - started;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, ...(firstEventMs !== undefined ? { firstEventMs } : {}) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/**
 * `workers` loops, each sending one request after the other for `durationMs` (each worker is one
 * dialogue: a dialogue has one turn in flight at a time). Returns requests/s and latencies.
 */
export async function closedLoop(
  workers: number,
  durationMs: number,
  send: (worker: number, n: number) => Promise<void>,
) {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let n = 0; performance.now() < deadline; n++) {
        const t0 = performance.now();
        try {
          await send(worker, n);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    count: latencies.length,
    errors,
  };
}
