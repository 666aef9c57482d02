import type http from 'node:http';
import type { Logger } from 'pino';

/**
 * Whether this process is draining (SIGTERM received). While it is, /readyz answers 503 so the
 * balancer stops sending new work, and every response says `Connection: close` so clients and
 * balancers open their next connection to another replica instead of reusing this one.
 */
export class DrainState {
  #since: number | undefined;

  get draining(): boolean {
    return this.#since !== undefined;
  }

  begin(): void {
    this.#since ??= Date.now();
  }

  /** Called at the start of every request. */
  mark(res: http.ServerResponse): void {
    if (this.draining) res.setHeader('connection', 'close');
  }
}

export interface Drainable {
  http: http.Server;
  drain: DrainState;
  /** Stops accepting, waits for open connections to end, closes what the server owns. */
  close(): Promise<void>;
}

export interface ShutdownOptions {
  /** Seconds to keep serving (readiness already 503) before the listener closes: the balancer's time to notice. */
  drainSeconds: number;
  /** Seconds from the start of the shutdown to the forced end. */
  timeoutSeconds: number;
  log: Logger;
  /** Runs last, after every connection ended (the database pool). */
  release?: () => Promise<void>;
}

/**
 * Graceful stop of a replica behind a load balancer, in order: readiness 503 and `Connection:
 * close` at once; keep serving for the drain period; stop accepting; let in-flight requests finish
 * (each connection closes after its response); close idle connections; release the pool. Resolves
 * 'clean', or 'forced' when the deadline passed first and the remaining connections were cut.
 */
export async function gracefulShutdown(server: Drainable, options: ShutdownOptions): Promise<'clean' | 'forced'> {
  const started = Date.now();
  server.drain.begin();
  options.log.info({ drainSeconds: options.drainSeconds, timeoutSeconds: options.timeoutSeconds }, 'draining: readiness now 503');
  let forced = false;
  const deadline = setTimeout(() => {
    forced = true;
    options.log.warn('shutdown deadline reached: closing the remaining connections');
    server.http.closeAllConnections();
  }, options.timeoutSeconds * 1000);
  deadline.unref();
  try {
    if (options.drainSeconds > 0) await new Promise((resolve) => setTimeout(resolve, options.drainSeconds * 1000));
    options.log.info('no longer accepting connections; finishing in-flight requests');
    // A connection that turns idle after its last response is closed by Node (Connection: close);
    // one that is idle now is closed by close() itself.
    await server.close();
    await options.release?.();
  } finally {
    clearTimeout(deadline);
  }
  options.log.info({ ms: Date.now() - started, forced }, 'stopped');
  return forced ? 'forced' : 'clean';
}
