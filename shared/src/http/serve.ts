import type { Express } from 'express';
import type { Server } from 'node:http';
import type { Logger } from '../ports/logger';

/**
 * Listen on `port`; on SIGTERM/SIGINT stop accepting, let in-flight requests finish up to
 * `drainMs`, then run `onShutdown` (close stores, publishers) and exit. Knative sends SIGTERM
 * before it removes a pod.
 * @throws the listen error (EADDRINUSE, EACCES...): Express 5 hands it to the listen callback
 *   rather than throwing, so it must be checked there, or a busy port would pass for success.
 */
export function serve(
  app: Express,
  options: { port: number; logger: Logger; drainMs?: number; onShutdown?: () => Promise<void> },
): Promise<Server> {
  const { logger } = options;
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, (err?: Error) => {
      if (err) {
        reject(err);
        return;
      }
      logger.info({ port: options.port }, 'listening');
      resolve(server);
    });
    server.once('error', reject);
    // Streams may be long; idle keep-alive sockets must not hold shutdown.
    server.keepAliveTimeout = 65_000;
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const deadline = setTimeout(() => {
        logger.warn('drain deadline reached; closing remaining connections');
        server.closeAllConnections();
      }, options.drainMs ?? 10_000);
      deadline.unref();
      server.close(async () => {
        clearTimeout(deadline);
        try {
          await options.onShutdown?.();
        } catch (err) {
          logger.error({ err }, 'error while shutting down');
        }
        logger.info('stopped');
        process.exit(0);
      });
      server.closeIdleConnections();
      // A stream that finishes leaves its keep-alive socket idle; close such sockets as they appear,
      // or a client's (or proxy's) keep-alive would hold the pod until the deadline.
      setInterval(() => server.closeIdleConnections(), 100).unref();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
