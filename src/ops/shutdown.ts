/**
 * Graceful shutdown on SIGTERM/SIGINT. app.close() stops accepting connections, answers 503 to
 * new requests on kept-alive ones, runs preClose hooks (live connections say goodbye), waits for
 * in-flight requests — an ingest request replies only after its transaction committed, so every
 * accepted event is durable — and then runs onClose hooks (store, Redis). If requests are still
 * running after the timeout their connections are cut, the close finishes, and the process
 * exits non-zero. A second signal exits at once.
 */
import type { FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  timeoutMs: number;
  /** process.exit in production; tests pass a spy. */
  exit: (code: number) => void;
}

export function gracefulShutdown(app: FastifyInstance, options: ShutdownOptions): (signal: string) => Promise<void> {
  let closing: Promise<void> | null = null;
  return (signal) => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting without waiting');
      options.exit(1);
      return closing;
    }
    app.log.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down: finishing in-flight requests');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      app.log.error({ timeoutMs: options.timeoutMs }, 'shutdown timed out: cutting the remaining connections');
      app.server.closeAllConnections();
    }, options.timeoutMs);
    timer.unref();
    // Connections that turn idle during the drain are closed by the app itself (closeIdleOnClose).
    closing = app.close().then(
      () => {
        clearTimeout(timer);
        app.log.info('shut down');
        options.exit(timedOut ? 1 : 0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        app.log.error({ err }, 'shutdown failed');
        options.exit(1);
      },
    );
    return closing;
  };
}

/**
 * While app.close() waits for in-flight requests, a kept-alive connection whose last request ends
 * during the wait (an SSE stream, a slow export, a reply being written) would hold the close until
 * its keep-alive timeout — 72 s by default. From preClose until the server has closed, connections
 * are closed as soon as they turn idle, so every close (a signal, a test, an embedding app) ends
 * when the last request does.
 */
export function closeIdleOnClose(app: FastifyInstance): void {
  let sweeper: NodeJS.Timeout | null = null;
  app.addHook('preClose', async () => {
    sweeper = setInterval(() => app.server.closeIdleConnections(), 100);
    sweeper.unref();
  });
  app.addHook('onClose', async () => {
    if (sweeper !== null) clearInterval(sweeper);
    sweeper = null;
  });
}
