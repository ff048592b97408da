import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { type Logger, SqlError } from '@agent-mcp/context';
import { clearTempFiles, type DataPlacement } from './data-placement';
import { engineClosed, type WorkerHost } from './worker-host';

/** Options of {@link createWorkerLifecycle}. */
export interface WorkerLifecycleOptions {
  readonly host: WorkerHost;
  /** Where the database lives, decided once on first start. */
  readonly place: () => Promise<DataPlacement>;
  /** The gzipped data directory a directory without a database is seeded from. */
  readonly snapshot: () => Promise<Uint8Array>;
  /** The role the session switches to (PGlite's `username`); none: the owner. */
  readonly role?: string;
  /** Server settings every session starts with (`-c name=value`), e.g. `temp_file_limit`. */
  readonly settings: Readonly<Record<string, string>>;
  readonly startTimeoutMs: number;
  readonly logger: Logger;
}

/** The one active PGlite worker: started on first use, replaced when a statement has to be cut. */
export interface WorkerLifecycle {
  /** The active worker, starting (or restarting) it if needed. */
  current(): Promise<Worker>;
  /**
   * Ends `w` (a deadline, a cancellation, a crash) and starts its replacement on the same directory, once
   * `w` is gone and the temporary files it left are removed.
   */
  replace(w: Worker, reason: string): void;
  /** How many times a worker was replaced. */
  readonly restarts: number;
  /** The placement, once decided. */
  readonly placement: DataPlacement | undefined;
  /** Ends the workers, removes temporary files and releases the placement. */
  close(): Promise<void>;
}

const SETTING = /^[a-z_]+$/;
const VALUE = /^[A-Za-z0-9_.-]+$/;

/** Creates a {@link WorkerLifecycle}. */
export function createWorkerLifecycle(options: WorkerLifecycleOptions): WorkerLifecycle {
  const { host, logger } = options;
  const startParams = Object.entries(options.settings).flatMap(([name, value]) => {
    if (!SETTING.test(name) || !VALUE.test(value)) throw new RangeError(`invalid engine setting ${name}=${value}`);
    return ['-c', `${name}=${value}`];
  });
  let placing: Promise<DataPlacement> | undefined;
  let placement: DataPlacement | undefined;
  let worker: Worker | undefined;
  let starting: Promise<Worker> | undefined;
  // A worker being ended must be gone before the next one opens the directory.
  let ending: Promise<unknown> = Promise.resolve();
  let restarts = 0;

  const place = (): Promise<DataPlacement> => {
    placing ??= options.place().then((p) => (placement = p));
    return placing;
  };

  async function start(): Promise<Worker> {
    const { dir } = await place();
    await ending;
    if (host.closed) throw engineClosed();
    // Only a directory without a database needs the snapshot; reopening one reads its files.
    const seed = existsSync(path.join(dir, 'PG_VERSION')) ? undefined : await options.snapshot();
    const w = await host.spawn();
    w.on('error', (error) => logger.warn('embedded engine worker failed', { err: error }));
    try {
      const reply = await host.exchange(
        w,
        { op: 'start', snapshot: seed?.slice(), username: options.role, dataDir: dir, startParams },
        options.startTimeoutMs,
      );
      if (reply.type !== 'ready') throw new Error(reply.error?.message ?? 'the embedded engine did not start');
      logger.debug('embedded engine worker started', { precompiled: reply.precompiled === true });
    } catch (error) {
      await w.terminate();
      throw new SqlError(
        'SQL_UNAVAILABLE',
        `The embedded database could not start: ${(error as Error).message}`,
        undefined,
        { cause: error },
      );
    }
    w.once('exit', () => {
      if (worker === w) worker = undefined;
    });
    return w;
  }

  function current(): Promise<Worker> {
    if (host.closed) return Promise.reject(engineClosed());
    if (worker) return Promise.resolve(worker);
    starting ??= start().then(
      (w) => {
        starting = undefined;
        if (host.closed) {
          void w.terminate();
          throw engineClosed();
        }
        worker = w;
        return w;
      },
      (error: unknown) => {
        starting = undefined;
        throw error;
      },
    );
    return starting;
  }

  async function end(w: Worker): Promise<void> {
    await w.terminate();
    // The cut statement's spill files: PostgreSQL removes them only when a statement ends by itself.
    if (placement) {
      const removed = await clearTempFiles(placement.dir).catch(() => 0);
      if (removed > 0) logger.debug('embedded engine temporary files removed', { files: removed });
    }
  }

  return {
    current,
    get restarts() {
      return restarts;
    },
    get placement() {
      return placement;
    },
    replace(w, reason) {
      if (worker === w) worker = undefined;
      restarts++;
      logger.warn('embedded engine worker replaced', { reason });
      ending = Promise.allSettled([ending, end(w)]);
      if (!host.closed)
        current().catch((error: unknown) => logger.error('embedded engine restart failed', { err: error }));
    },
    async close() {
      worker = undefined;
      await host.close();
      await ending;
      const p = await placing?.catch(() => undefined);
      if (p?.configured) await clearTempFiles(p.dir).catch(() => 0);
      await p?.release();
    },
  };
}
