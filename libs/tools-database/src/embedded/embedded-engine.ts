import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { CancelledError } from '@agent-mcp/mcp-core';
import {
  type Logger,
  noopLogger,
  type SqlClient,
  SqlError,
  type SqlQueryable,
  type SqlQueryOptions,
  type SqlResult,
  type SqlRow,
} from '@agent-mcp/context';
import { DatabaseError, QueryFailedError } from '../errors';
import { type CheckedStatement, CURSOR_NAME, trustedStatement } from '../guard/statement-guard';
import { auditProblems, ROLE_AUDIT_SQL } from '../engine/role-audit';
import { SESSION_RESET_EMBEDDED, transactionPreamble } from '../engine/session-sql';
import {
  type ExecuteOptions,
  type QueryEngine,
  type QueryResult,
  type RawResult,
  type RoleAudit,
} from '../engine/types';
import { paramText, toQueryResult } from '../engine/values';
import { resolveDependency } from '../load-dependency';
import { type DataDirLock, lockDataDir } from './data-dir-lock';
import { WORKER_SOURCE } from './worker-source';

/** Options of {@link createEmbeddedEngine}. */
export interface EmbeddedEngineOptions {
  /**
   * SQL that creates the database's schema, data and read-only role (the sample data set by default); a
   * function is called only when the engine first starts, so building a large script costs nothing at launch.
   */
  readonly setupSql: string | (() => string);
  /** The read-only role statements run as; `setupSql` must create it. */
  readonly role: string;
  /**
   * Keep the database in this directory (created from the snapshot on first start, reopened after a restart,
   * so the application's rows survive both). Guarded by `<dataDir>.lock`: when another live process holds
   * it, this engine keeps its data in memory and logs a warning. Default: in memory, where a restart after a
   * caller's deadline returns to the snapshot and loses rows written since.
   */
  readonly dataDir?: string;
  /**
   * Where the built snapshot of `setupSql` is cached between processes, so only the first start pays for
   * PGlite's initdb. Default: `<os tmpdir>/agent-mcp-tools-database`. `false` disables the file cache.
   */
  readonly snapshotCacheDir?: string | false;
  /** How long starting (or restarting) the engine may take. Default 120 s. */
  readonly startTimeoutMs?: number;
  /** How long a call may wait for the engine (it runs one statement at a time). Default 30 s. */
  readonly queueTimeoutMs?: number;
  /**
   * Keep a second instance started, so a worker ended at a deadline is replaced at once (PGlite takes
   * seconds to start). Costs the memory of one more instance. Default true; never with a `dataDir`, which
   * only one instance may open.
   */
  readonly standby?: boolean;
  /** Worker heap limit in MiB, so a huge result ends the worker rather than the server. Default 512. */
  readonly maxHeapMb?: number;
  readonly logger?: Logger;
}

/** The embedded engine, with what tests and the apps need to observe its worker. */
export interface EmbeddedEngine extends QueryEngine {
  readonly kind: 'embedded';
  /** Resolves when the engine (and its standby, if any) is ready to run statements, starting it if needed. */
  ready(): Promise<void>;
  /** How many times the worker was ended and replaced (deadline, cancellation, crash). */
  readonly restarts: number;
  /**
   * The application's own statements on the same database, as its owner role (not subject to row-level
   * security or the read-only transaction), serialised with caller statements in the one worker. A running
   * trusted statement is never ended at a deadline: a signal or `timeoutMs` stops the wait for it and the
   * transaction's later statements, and the engine's session stays taken until the worker answers. `close()`
   * of this client refuses its later calls; the engine's own `close()` ends the worker.
   */
  readonly sql: SqlClient;
  /** The data directory in use, once started: `undefined` in memory (none set, or its lock was held). */
  readonly dataDirInUse: string | undefined;
}

interface WorkerReply {
  readonly type: 'ready' | 'built' | 'result' | 'error';
  readonly id?: number;
  readonly bytes?: Uint8Array;
  readonly fields?: RawResult['fields'];
  readonly rows?: RawResult['rows'];
  readonly truncatedBy?: 'rows' | 'bytes';
  readonly affectedRows?: number;
  readonly error?: { message: string; code?: string; position?: string };
}

interface Pending {
  readonly run: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) in a worker thread. Statements run one at a time; each gets a
 * deadline after which the worker is terminated and a fresh instance started from the snapshot, because
 * PGlite cannot interrupt a running statement. Cancellation ends the worker the same way.
 */
export function createEmbeddedEngine(options: EmbeddedEngineOptions): EmbeddedEngine {
  const logger = options.logger ?? noopLogger;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
  const entry = resolvePglite();
  let snapshot: Promise<Uint8Array> | undefined;
  let worker: Worker | undefined;
  let starting: Promise<Worker> | undefined;
  let spare: Promise<Worker> | undefined;
  const exited = new WeakSet<Worker>();
  // Every worker not yet exited (active, standby, starting, snapshot builder), so close() can end them all.
  const live = new Set<Worker>();
  const standby = (options.standby ?? true) && !options.dataDir;
  let placement: Promise<string | undefined> | undefined;
  let dataDirInUse: string | undefined;
  let lock: DataDirLock | undefined;
  // Workers being ended: one on a data directory must be gone before the next one opens the directory.
  let ending: Promise<unknown> = Promise.resolve();
  let busy = false;
  let closed = false;
  let restarts = 0;
  let nextId = 1;
  const queue: Pending[] = [];

  function spawn(): Worker {
    if (closed) throw new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.');
    // Loaded on first use, not at import: builtins cost a launch time, and most launches never start the engine.
    const { Worker: WorkerThread } = process.getBuiltinModule('node:worker_threads');
    const w = new WorkerThread(WORKER_SOURCE, {
      eval: true,
      workerData: { entry },
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 512 },
      // Captured, never inherited: the stdio server's stdout carries only MCP messages.
      stdout: true,
      stderr: true,
    });
    w.stdout.resume();
    live.add(w);
    w.once('exit', () => live.delete(w));
    w.stderr.on('data', (chunk: Buffer) =>
      logger.debug('embedded engine output', { text: chunk.toString('utf8').slice(0, 2000) }),
    );
    return w;
  }

  /** One request/reply exchange with a worker, bounded in time unless `timeoutMs` is undefined; the worker's death rejects it. */
  function exchange(
    w: Worker,
    message: Record<string, unknown>,
    timeoutMs: number | undefined,
    transfer: ArrayBuffer[] = [],
  ): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const onMessage = (reply: WorkerReply) => {
        if (message.id !== undefined && reply.id !== message.id) return;
        cleanup();
        resolve(reply);
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`embedded engine worker exited (code ${code})`));
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              cleanup();
              reject(
                new DatabaseError('QUERY_TIMEOUT', `The embedded engine did not answer within ${timeoutMs} ms.`, {
                  timeoutMs,
                }),
              );
            }, timeoutMs);
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage(message, transfer);
    });
  }

  async function buildSnapshot(): Promise<Uint8Array> {
    const cacheFile = await snapshotPath(options, entry);
    if (cacheFile) {
      const cached = await readFile(cacheFile).catch(() => undefined);
      if (cached) return new Uint8Array(cached);
    }
    const started = Date.now();
    const builder = spawn();
    try {
      const reply = await exchange(builder, { op: 'build', setupSql: setupSqlOf(options) }, startTimeoutMs);
      if (reply.type !== 'built' || !reply.bytes) throw new Error(reply.error?.message ?? 'snapshot build failed');
      logger.info('embedded database built', { ms: Date.now() - started, bytes: reply.bytes.byteLength });
      if (cacheFile) {
        // Written under a unique name and renamed, so concurrent processes never read a partial file.
        const tmp = `${cacheFile}.${process.pid}.${Date.now()}.tmp`;
        await mkdir(path.dirname(cacheFile), { recursive: true });
        await writeFile(tmp, reply.bytes);
        await rename(tmp, cacheFile);
      }
      return reply.bytes;
    } finally {
      await builder.terminate();
    }
  }

  /** Decides once where the data lives: the configured directory if its lock is free, else memory. */
  function placeData(): Promise<string | undefined> {
    placement ??= (async () => {
      if (!options.dataDir) return undefined;
      const taken = await lockDataDir(options.dataDir).catch((error: unknown) => ({
        heldBy: -1,
        file: String((error as Error).message),
      }));
      if ('release' in taken) {
        lock = taken;
        return (dataDirInUse = options.dataDir);
      }
      logger.warn(
        'embedded database directory is in use by another process; this one keeps its data in memory until it exits',
        {
          dataDir: options.dataDir,
          lock: taken.file,
          ...(taken.heldBy > 0 ? { pid: taken.heldBy } : {}),
        },
      );
      return undefined;
    })();
    return placement;
  }

  async function start(): Promise<Worker> {
    snapshot ??= buildSnapshot();
    snapshot.catch(() => (snapshot = undefined));
    const [bytes, dataDir] = await Promise.all([snapshot, placeData()]);
    if (dataDir) await ending;
    if (closed) throw new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.');
    const w = spawn();
    w.on('error', (error) => logger.warn('embedded engine worker failed', { err: error }));
    try {
      // A copy goes to the worker: the snapshot is kept for the next restart.
      // With a data directory the snapshot only seeds its first start; restarts reopen the directory.
      const reply = await exchange(
        w,
        { op: 'start', snapshot: bytes.slice(), username: options.role, dataDir },
        startTimeoutMs,
      );
      if (reply.type !== 'ready') throw new Error(reply.error?.message ?? 'the embedded engine did not start');
    } catch (error) {
      await w.terminate();
      throw new DatabaseError(
        'DATABASE_UNAVAILABLE',
        `The embedded database could not start: ${(error as Error).message}`,
        undefined,
        error,
      );
    }
    w.once('exit', () => {
      exited.add(w);
      if (worker === w) worker = undefined;
    });
    return w;
  }

  function activate(w: Worker): Worker {
    worker = w;
    // A warm standby makes replacing an ended worker instant instead of a full PGlite start.
    if (standby && !spare && !closed) {
      const next = start();
      spare = next;
      next.then(
        (s) => s.once('exit', () => spare === next && (spare = undefined)),
        (error: unknown) => {
          if (spare === next) spare = undefined;
          if (!closed) logger.warn('embedded engine standby failed to start', { err: error });
        },
      );
    }
    return w;
  }

  function ensureWorker(): Promise<Worker> {
    if (closed) return Promise.reject(new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.'));
    if (worker) return Promise.resolve(worker);
    if (!starting) {
      const source = spare ?? start();
      spare = undefined;
      starting = source.then(
        (w) => {
          starting = undefined;
          if (closed) {
            void w.terminate();
            throw new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.');
          }
          if (exited.has(w)) return ensureWorker();
          return activate(w);
        },
        (error: unknown) => {
          starting = undefined;
          throw error;
        },
      );
    }
    return starting;
  }

  /** Ends the worker (deadline, cancellation, crash) and promotes the standby or starts a replacement. */
  function replaceWorker(w: Worker, reason: string): void {
    if (worker === w) worker = undefined;
    restarts++;
    logger.warn('embedded engine worker replaced', { reason });
    ending = Promise.allSettled([ending, w.terminate()]);
    if (!closed)
      ensureWorker().catch((error: unknown) => logger.error('embedded engine restart failed', { err: error }));
  }

  function pump(): void {
    if (busy) return;
    const next = queue.shift();
    if (next) {
      busy = true;
      next.run();
    }
  }

  /** Waits for the engine's single session, bounded, and leaves the queue if the caller cancels meanwhile. */
  function acquireSession(
    signal: AbortSignal | undefined,
    waitMs: number,
    busyError: () => Error,
    cancelledError: () => Error,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entryInQueue: Pending = {
        run: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const leave = (error: Error) => {
        const i = queue.indexOf(entryInQueue);
        if (i >= 0) queue.splice(i, 1);
        reject(error);
      };
      const timer = setTimeout(() => leave(busyError()), waitMs);
      const onAbort = () => {
        clearTimeout(timer);
        leave(cancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(entryInQueue);
      pump();
    });
  }

  function releaseSession(): void {
    busy = false;
    pump();
  }

  async function run(statement: CheckedStatement, opts: ExecuteOptions): Promise<RawResult> {
    const { signal } = opts;
    if (signal?.aborted) throw new CancelledError(String(signal.reason ?? 'Request cancelled'));
    await acquireSession(
      signal,
      queueTimeoutMs,
      () => new DatabaseError('DATABASE_UNAVAILABLE', `The embedded database stayed busy for ${queueTimeoutMs} ms.`),
      () => new CancelledError(String(signal?.reason ?? 'Request cancelled')),
    );

    try {
      const w = await ensureWorker();
      const id = nextId++;
      const message = {
        op: 'query',
        id,
        preamble: transactionPreamble({ timeoutMs: opts.timeoutMs, tenantId: opts.tenantId, role: options.role }),
        // PGlite has no protocol row limit: a SELECT runs as a cursor fetched in bounded batches.
        text: statement.cursorText ?? statement.text,
        params: paramText(opts.params),
        cursor: statement.cursorText !== undefined,
        cursorName: CURSOR_NAME,
        batch: Math.min(opts.maxRows + 1, 1000),
        maxRows: opts.maxRows,
        maxBytes: opts.maxBytes,
        reset: SESSION_RESET_EMBEDDED,
      };
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          replaceWorker(w, 'cancelled');
          reject(new CancelledError(String(signal?.reason ?? 'Request cancelled')));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(() => undefined);
      try {
        const reply = await Promise.race([exchange(w, message, opts.timeoutMs), aborted]).catch((error: unknown) => {
          if (error instanceof DatabaseError && error.code === 'QUERY_TIMEOUT') {
            replaceWorker(w, 'deadline');
            throw new DatabaseError(
              'QUERY_TIMEOUT',
              `The statement ran longer than ${opts.timeoutMs} ms and was stopped.`,
              { timeoutMs: opts.timeoutMs },
            );
          }
          if (!(error instanceof CancelledError)) {
            replaceWorker(w, 'worker failure');
            throw new DatabaseError(
              'DATABASE_UNAVAILABLE',
              `The embedded database failed: ${(error as Error).message}`,
              undefined,
              error,
            );
          }
          throw error;
        });
        if (reply.type === 'error') throw mapWorkerError(reply.error ?? { message: 'unknown error' });
        return {
          fields: reply.fields ?? [],
          rows: reply.rows ?? [],
          truncated: reply.truncatedBy !== undefined,
          ...(reply.truncatedBy ? { truncatedBy: reply.truncatedBy } : {}),
        };
      } finally {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      }
    } finally {
      releaseSession();
    }
  }

  const readyWorker = async (): Promise<Worker> => {
    try {
      return await ensureWorker();
    } catch (error) {
      throw new SqlError(
        'SQL_UNAVAILABLE',
        `The embedded database could not start: ${(error as Error).message}`,
        undefined,
        { cause: error },
      );
    }
  };
  const sql = createTrustedClient({
    acquire: async (signal, waitMs) => {
      await acquireSession(
        signal,
        waitMs,
        () => new SqlError('SQL_TIMEOUT', `The embedded database stayed busy for ${waitMs} ms.`),
        () =>
          new SqlError(
            'SQL_CANCELLED',
            `The statement was cancelled: ${String(signal?.reason ?? 'request cancelled')}`,
          ),
      );
      return releaseSession;
    },
    ready: async () => {
      await readyWorker();
    },
    send: async (text, params) => {
      const w = await readyWorker();
      const reply = await exchange(w, { op: 'trusted', id: nextId++, text, params: params ?? [] }, undefined).catch(
        (error: unknown) => {
          throw new SqlError(
            'SQL_UNAVAILABLE',
            `The embedded database failed: ${(error as Error).message}`,
            undefined,
            { cause: error },
          );
        },
      );
      if (reply.type === 'error') {
        const e = reply.error ?? { message: 'unknown error' };
        const sqlstate = e.code && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
        throw new SqlError(
          'SQL_FAILED',
          `PostgreSQL refused the statement: ${e.message}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}`,
          sqlstate,
        );
      }
      const rows = (reply.rows ?? []) as unknown as SqlRow[];
      return { rows, rowCount: reply.affectedRows || rows.length };
    },
    queueTimeoutMs,
  });

  return {
    kind: 'embedded',
    sql,
    get dataDirInUse() {
      return dataDirInUse;
    },
    get restarts() {
      return restarts;
    },
    async ready() {
      await ensureWorker();
      await spare?.catch(() => undefined);
    },
    async execute(statement, opts): Promise<QueryResult> {
      return toQueryResult(await run(statement, opts));
    },
    async auditRole(): Promise<RoleAudit> {
      const result = await this.execute(trustedStatement(ROLE_AUDIT_SQL), {
        maxRows: 1,
        maxBytes: 65_536,
        timeoutMs: 30_000,
      });
      return auditProblems(result.rows[0] ?? {});
    },
    async close() {
      closed = true;
      for (const pending of queue.splice(0))
        pending.reject(new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.'));
      worker = undefined;
      spare = undefined;
      await Promise.all([...live].map((w) => w.terminate()));
      await lock?.release();
    },
  };
}

interface TrustedPorts {
  /** Takes the engine's session; resolves to its release. */
  acquire(signal: AbortSignal | undefined, waitMs: number): Promise<() => void>;
  /** Starts the worker if needed (bounded by the engine's start timeout, not the statement's deadline). */
  ready(): Promise<void>;
  /** Runs one statement in the worker, to its end. */
  send(text: string, params: readonly unknown[] | undefined): Promise<SqlResult>;
  readonly queueTimeoutMs: number;
}

const TRUSTED_DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The embedded engine's {@link SqlClient}. A call holds the engine's session from its first statement until
 * the worker has answered its last, so caller statements never interleave with an application transaction.
 */
function createTrustedClient(ports: TrustedPorts): SqlClient {
  let closed = false;

  async function withSession<T>(
    opts: SqlQueryOptions,
    work: (
      send: (text: string, params?: readonly unknown[], o?: SqlQueryOptions, unbounded?: boolean) => Promise<SqlResult>,
    ) => Promise<T>,
  ): Promise<T> {
    if (closed) throw new SqlError('SQL_CLOSED', 'The SQL client is closed.');
    if (opts.signal?.aborted) throw cancelled(opts.signal);
    const timeoutMs = opts.timeoutMs ?? TRUSTED_DEFAULT_TIMEOUT_MS;
    const release = await ports.acquire(opts.signal, Math.min(ports.queueTimeoutMs, timeoutMs));
    try {
      await ports.ready();
    } catch (error) {
      release();
      throw error;
    }
    // The deadline counts from a running engine: its first start (seconds) is not the statement's time.
    const deadlineAt = Date.now() + timeoutMs;
    let inflight: Promise<unknown> = Promise.resolve();
    const send = (
      text: string,
      params?: readonly unknown[],
      o: SqlQueryOptions = {},
      unbounded = false,
    ): Promise<SqlResult> => {
      const signal = unbounded
        ? undefined
        : o.signal && opts.signal
          ? AbortSignal.any([o.signal, opts.signal])
          : (o.signal ?? opts.signal);
      if (signal?.aborted) return Promise.reject(cancelled(signal));
      const at = unbounded
        ? Infinity
        : Math.min(deadlineAt, o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs);
      if (Date.now() >= at) return Promise.reject(timedOut(at === deadlineAt ? timeoutMs : (o.timeoutMs as number)));
      // One statement at a time, in order: the worker's session is a single connection.
      const reply = inflight.then(() => ports.send(text, params));
      inflight = reply.catch(() => undefined);
      if (!signal && at === Infinity) return reply;
      return new Promise<SqlResult>((resolve, reject) => {
        const finish = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const onAbort = () => {
          finish();
          reject(cancelled(signal));
        };
        const timer =
          at === Infinity
            ? undefined
            : setTimeout(
                () => (finish(), reject(timedOut(at === deadlineAt ? timeoutMs : (o.timeoutMs as number)))),
                at - Date.now(),
              );
        signal?.addEventListener('abort', onAbort, { once: true });
        reply.then(
          (value) => (finish(), resolve(value)),
          (error: unknown) => (finish(), reject(error)),
        );
      });
    };
    try {
      return await work(send);
    } finally {
      // The session is free only once the worker has answered everything sent, even past a deadline.
      void inflight.then(release);
    }
  }

  return {
    kind: 'embedded',
    query<R extends SqlRow = SqlRow>(
      text: string,
      params?: readonly unknown[],
      opts: SqlQueryOptions = {},
    ): Promise<SqlResult<R>> {
      return withSession(opts, (send) => send(text, params)) as Promise<SqlResult<R>>;
    },
    transaction<T>(work: (tx: SqlQueryable) => Promise<T>, opts: SqlQueryOptions = {}): Promise<T> {
      return withSession(opts, async (send) => {
        let ended = false;
        const tx: SqlQueryable = {
          query: <R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[], o?: SqlQueryOptions) =>
            (ended
              ? Promise.reject(new SqlError('SQL_CLOSED', 'The transaction has already ended.'))
              : send(text, params, o)) as Promise<SqlResult<R>>,
        };
        try {
          await send('BEGIN');
          const value = await work(tx);
          await send('COMMIT');
          return value;
        } catch (error) {
          // Unbounded: an aborted caller still wants its transaction rolled back, after whatever still runs.
          await send('ROLLBACK', undefined, {}, true).catch(() => undefined);
          throw error;
        } finally {
          ended = true;
        }
      });
    },
    async close() {
      closed = true;
    },
  };
}

function cancelled(signal: AbortSignal | undefined): SqlError {
  return new SqlError('SQL_CANCELLED', `The statement was cancelled: ${String(signal?.reason ?? 'request cancelled')}`);
}

function timedOut(timeoutMs: number): SqlError {
  return new SqlError(
    'SQL_TIMEOUT',
    `The statement ran longer than ${timeoutMs} ms; the embedded engine lets a running statement finish, and rolls back the transaction it belonged to.`,
  );
}

function mapWorkerError(error: { message: string; code?: string; position?: string }): DatabaseError {
  if (error.code && /^[0-9A-Z]{5}$/.test(error.code)) {
    return new QueryFailedError(error.code, error.message, error.position ? Number(error.position) : undefined);
  }
  return new DatabaseError('QUERY_FAILED', `The embedded database failed: ${error.message}`);
}

const builtSetupSql = new WeakMap<EmbeddedEngineOptions, string>();

/** The setup script of `options`, built once if it was given as a function. */
function setupSqlOf(options: EmbeddedEngineOptions): string {
  if (typeof options.setupSql === 'string') return options.setupSql;
  let sql = builtSetupSql.get(options);
  if (sql === undefined) {
    sql = options.setupSql();
    builtSetupSql.set(options, sql);
  }
  return sql;
}

/** Absolute path of PGlite's entry point, for the worker to import. */
function resolvePglite(): string {
  return resolveDependency('@electric-sql/pglite');
}

async function snapshotPath(options: EmbeddedEngineOptions, entry: string): Promise<string | undefined> {
  if (options.snapshotCacheDir === false) return undefined;
  const dir = options.snapshotCacheDir ?? path.join(tmpdir(), 'agent-mcp-tools-database');
  const pkg = await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8').catch(() => '');
  const version = (/"version"\s*:\s*"([^"]+)"/.exec(pkg) ?? [])[1] ?? 'unknown';
  // Loaded here, not at the top: node:crypto costs a launch ~20 ms and this runs only when the engine starts.
  const { createHash } = await import('node:crypto');
  const key = createHash('sha256')
    .update(version)
    .update('\0')
    .update(options.role)
    .update('\0')
    .update(setupSqlOf(options))
    .digest('hex')
    .slice(0, 16);
  return path.join(dir, `pglite-${version}-${key}.tar.gz`);
}
