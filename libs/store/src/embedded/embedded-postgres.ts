import type { Worker } from 'node:worker_threads';
import { type Logger, noopLogger, type SqlClient, SqlError, type SqlRow } from '@agent-mcp/context';
import { resolveDependency } from '../load-dependency';
import { placeData } from './data-placement';
import { loadSnapshot } from './snapshot-cache';
import { createStatementQueue, type StatementQueue } from './statement-queue';
import { createTrustedClient } from './trusted-client';
import { createWorkerHost, type WorkerReply } from './worker-host';
import { createWorkerLifecycle } from './worker-lifecycle';

/** Options of {@link createEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /**
   * SQL that creates the database on its first start (schema, data, roles); a function is called only when a
   * snapshot must be built. The built database is cached as a snapshot between processes.
   */
  readonly setupSql: string | (() => string);
  /** A role `setupSql` creates that sessions switch to between the owner's statements; none: the owner. */
  readonly role?: string;
  /**
   * Keep the database in this directory, guarded by `<dataDir>.lock`. When none is given, or another live
   * process holds the lock (with a warning), the database lives in a scratch directory of this process,
   * removed on close and at exit. Either way a replaced worker reopens the same files: nothing written is lost.
   */
  readonly dataDir?: string;
  /** Parent of the scratch directory. Default: the OS temporary directory. */
  readonly scratchParent?: string;
  /** Snapshot cache between processes; `false` disables it. Default `<os tmpdir>/agent-mcp-tools-database`. */
  readonly snapshotCacheDir?: string | false;
  /** Server settings every session starts with, e.g. `{ temp_file_limit: '256MB' }`. */
  readonly settings?: Readonly<Record<string, string>>;
  /** How long starting (or restarting) may take. Default 120 s. */
  readonly startTimeoutMs?: number;
  /** Most time a call of {@link EmbeddedPostgres.sql} waits for the session. Default 30 s. */
  readonly queueTimeoutMs?: number;
  /** Most statements one caller key may have queued or running in {@link EmbeddedPostgres.queue}. Default 4. */
  readonly perKeyStatements?: number;
  /** Worker heap limit in MiB. Default 512. */
  readonly maxHeapMb?: number;
  readonly logger?: Logger;
}

/**
 * PostgreSQL (PGlite, compiled to WebAssembly) in a worker thread on a directory: the host both embedded
 * databases run on, the application database's and the database tools' sample database. One session, handed
 * out by {@link queue}; the owner's statements through {@link sql}; a worker that must be cut (PGlite cannot
 * interrupt a running statement) is {@link replace}d by one that reopens the same files.
 */
export interface EmbeddedPostgres {
  /** The owner's statements, served before any waiting caller (see createTrustedClient). */
  readonly sql: SqlClient;
  /** The one session: callers take it in turn by key, bounded; the owner's statements go first. */
  readonly queue: StatementQueue;
  /** The running worker, started (or restarted) if needed. */
  current(): Promise<Worker>;
  /** One request/reply with a worker (see worker-source.ts), bounded unless `timeoutMs` is undefined. */
  exchange(w: Worker, message: Record<string, unknown>, timeoutMs: number | undefined): Promise<WorkerReply>;
  /** Ends `w` (deadline, cancellation, crash); the next worker reopens the directory without its temp files. */
  replace(w: Worker, reason: string): void;
  /** A fresh message id. */
  nextId(): number;
  /** Starts the worker if needed. */
  ready(): Promise<void>;
  /** How many times a worker was replaced. */
  readonly restarts: number;
  /** The configured directory when this process holds it, once started. */
  readonly dataDirInUse: string | undefined;
  /** The directory the worker runs on, once started (configured or scratch). */
  readonly directory: string | undefined;
  /** Ends the worker, refuses waiting calls, removes temporary (or scratch) files and releases the lock. */
  close(): Promise<void>;
}

/** Creates an {@link EmbeddedPostgres}; nothing starts until the first statement or {@link EmbeddedPostgres.ready}. */
export function createEmbeddedPostgres(options: EmbeddedPostgresOptions): EmbeddedPostgres {
  const logger = options.logger ?? noopLogger;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
  const entry = resolveDependency('@electric-sql/pglite');
  const host = createWorkerHost({ entry, maxHeapMb: options.maxHeapMb ?? 512, logger });
  const queue = createStatementQueue({ perKey: options.perKeyStatements ?? 4 });
  const lifecycle = createWorkerLifecycle({
    host,
    place: () => placeData({ dataDir: options.dataDir, scratchParent: options.scratchParent, logger }),
    snapshot: () =>
      loadSnapshot({ source: { ...options, role: options.role ?? '' }, entry, host, startTimeoutMs, logger }),
    role: options.role,
    settings: options.settings ?? {},
    startTimeoutMs,
    logger,
  });
  let id = 1;

  const readyWorker = async (): Promise<Worker> => {
    try {
      return await lifecycle.current();
    } catch (error) {
      if (error instanceof SqlError) throw error;
      throw new SqlError(
        'SQL_UNAVAILABLE',
        `The embedded database could not start: ${(error as Error).message}`,
        undefined,
        {
          cause: error,
        },
      );
    }
  };

  const sql = createTrustedClient({
    acquire: (signal, waitMs) =>
      queue.acquire({
        trusted: true,
        signal,
        waitMs,
        errors: {
          busy: () => new SqlError('SQL_TIMEOUT', `The embedded database stayed busy for ${waitMs} ms.`),
          cancelled: () =>
            new SqlError(
              'SQL_CANCELLED',
              `The statement was cancelled: ${String(signal?.reason ?? 'request cancelled')}`,
            ),
        },
      }),
    ready: async () => {
      await readyWorker();
    },
    send: async (text, params) => {
      const w = await readyWorker();
      const reply = await host
        .exchange(w, { op: 'trusted', id: id++, text, params: params ?? [] }, undefined)
        .catch((error: unknown) => {
          throw new SqlError(
            'SQL_UNAVAILABLE',
            `The embedded database failed: ${(error as Error).message}`,
            undefined,
            {
              cause: error,
            },
          );
        });
      if (reply.type === 'error') throw trustedError(reply);
      const rows = (reply.rows ?? []) as unknown as SqlRow[];
      return { rows, rowCount: reply.affectedRows || rows.length };
    },
    queueTimeoutMs,
  });

  return {
    sql,
    queue,
    current: () => lifecycle.current(),
    exchange: (w, message, timeoutMs) => host.exchange(w, message, timeoutMs),
    replace: (w, reason) => lifecycle.replace(w, reason),
    nextId: () => id++,
    async ready() {
      await lifecycle.current();
    },
    get restarts() {
      return lifecycle.restarts;
    },
    get dataDirInUse() {
      return lifecycle.placement?.configured;
    },
    get directory() {
      return lifecycle.placement?.dir;
    },
    async close() {
      queue.rejectAll(new SqlError('SQL_CLOSED', 'The embedded database is closed.'));
      await lifecycle.close();
    },
  };
}

function trustedError(reply: WorkerReply): SqlError {
  const e = reply.error ?? { message: 'unknown error' };
  const sqlstate = e.code && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  return new SqlError(
    'SQL_FAILED',
    `PostgreSQL refused the statement: ${e.message}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}`,
    sqlstate,
  );
}
