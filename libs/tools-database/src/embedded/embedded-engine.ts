import type { Worker } from 'node:worker_threads';
import { CancelledError } from '@agent-mcp/mcp-core';
import { type Logger, noopLogger, type SqlClient, SqlError, type SqlRow } from '@agent-mcp/context';
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
import { READONLY_TEMP_FILE_LIMIT } from '../sample/role-sql';
import { placeData } from './data-placement';
import { loadSnapshot } from './snapshot-cache';
import { createStatementQueue, type QueueErrors } from './statement-queue';
import { createTrustedClient } from './trusted-client';
import { createWorkerHost, engineClosed, type WorkerReply } from './worker-host';
import { createWorkerLifecycle } from './worker-lifecycle';

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
   * Keep the database in this directory (created from the snapshot on first start, reopened after a restart
   * and by the next process). Guarded by `<dataDir>.lock`: when another live process holds it, this engine
   * keeps its data in a scratch directory of its own and logs a warning. Default: a scratch directory,
   * removed when the engine closes or the process exits. Either way a worker replaced after a caller's
   * deadline or cancellation reopens the same files, so no row written before it is lost.
   */
  readonly dataDir?: string;
  /** Parent of the scratch directory. Default: the OS temporary directory. */
  readonly scratchParent?: string;
  /**
   * Where the built snapshot of `setupSql` is cached between processes, so only the first start pays for
   * PGlite's initdb. Default: `<os tmpdir>/agent-mcp-tools-database`. `false` disables the file cache.
   */
  readonly snapshotCacheDir?: string | false;
  /** How long starting (or restarting) the engine may take. Default 120 s. */
  readonly startTimeoutMs?: number;
  /**
   * How long a call may wait for the engine, which runs one statement at a time; past it the call is
   * refused as busy (`DATABASE_UNAVAILABLE`, `data.busy: 'wait'`). With the statement deadline this is the documented bound: no call
   * waits longer than this for its turn, whatever another caller's statement does. Default 30 s.
   */
  readonly queueTimeoutMs?: number;
  /**
   * Most caller statements one principal may have queued or running at once; the next is refused as busy at
   * once (`data.busy: 'share'`), so one principal's backlog never fills the queue. Default 4.
   */
  readonly perPrincipalStatements?: number;
  /** Worker heap limit in MiB, so a huge result ends the worker rather than the server. Default 512. */
  readonly maxHeapMb?: number;
  readonly logger?: Logger;
}

/** The embedded engine, with what tests and the apps need to observe its worker. */
export interface EmbeddedEngine extends QueryEngine {
  readonly kind: 'embedded';
  /** Resolves when the engine is ready to run statements, starting it if needed. */
  ready(): Promise<void>;
  /** How many times the worker was ended and replaced (deadline, cancellation, crash). */
  readonly restarts: number;
  /**
   * The application's own statements on the same database, as its owner role (not subject to row-level
   * security or the read-only transaction), serialised with caller statements in the one worker and served
   * before any waiting caller statement. A running trusted statement is never ended at a deadline: a signal
   * or `timeoutMs` stops the wait for it and the transaction's later statements, and the engine's session
   * stays taken until the worker answers. `close()` of this client refuses its later calls; the engine's own
   * `close()` ends the worker.
   */
  readonly sql: SqlClient;
  /** The configured data directory when this process holds it, once started; else `undefined` (scratch). */
  readonly dataDirInUse: string | undefined;
  /** The directory the worker runs on, once started: the configured one or this process's scratch directory. */
  readonly directory: string | undefined;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) in a worker thread, on a directory. Statements run one at a
 * time through a {@link createStatementQueue queue} (the application's first, callers in turn by principal,
 * every wait bounded); each caller statement gets a deadline after which the worker is ended and a new one
 * reopens the same directory, because PGlite cannot interrupt a running statement. Cancellation ends the
 * worker the same way.
 */
export function createEmbeddedEngine(options: EmbeddedEngineOptions): EmbeddedEngine {
  const logger = options.logger ?? noopLogger;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
  const entry = resolveDependency('@electric-sql/pglite');
  const host = createWorkerHost({ entry, maxHeapMb: options.maxHeapMb ?? 512, logger });
  const queue = createStatementQueue({ perKey: options.perPrincipalStatements ?? 4 });
  const lifecycle = createWorkerLifecycle({
    host,
    place: () => placeData({ dataDir: options.dataDir, scratchParent: options.scratchParent, logger }),
    snapshot: () => loadSnapshot({ source: options, entry, host, startTimeoutMs, logger }),
    role: options.role,
    settings: { temp_file_limit: READONLY_TEMP_FILE_LIMIT },
    startTimeoutMs,
    logger,
  });
  let nextId = 1;

  const callerQueueErrors = (signal: AbortSignal | undefined): QueueErrors => ({
    busy: (reason) =>
      new DatabaseError(
        'DATABASE_UNAVAILABLE',
        reason === 'share'
          ? 'The embedded database is busy with your earlier statements; retry when they have finished.'
          : `The embedded database stayed busy for ${queueTimeoutMs} ms; retry later.`,
        { busy: reason, retryAfterMs: reason === 'share' ? 1000 : queueTimeoutMs },
      ),
    cancelled: () => new CancelledError(String(signal?.reason ?? 'Request cancelled')),
  });

  async function run(statement: CheckedStatement, opts: ExecuteOptions): Promise<RawResult> {
    const { signal } = opts;
    const release = await queue.acquire({
      key: opts.principal ?? opts.tenantId,
      signal,
      waitMs: queueTimeoutMs,
      errors: callerQueueErrors(signal),
    });
    try {
      const w = await lifecycle.current();
      return await runOn(w, statement, opts);
    } finally {
      release();
    }
  }

  /** One caller statement on worker `w`; a deadline, cancellation or failure ends `w`. */
  async function runOn(w: Worker, statement: CheckedStatement, opts: ExecuteOptions): Promise<RawResult> {
    const { signal } = opts;
    const message = {
      op: 'query',
      id: nextId++,
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
        lifecycle.replace(w, 'cancelled');
        reject(new CancelledError(String(signal?.reason ?? 'Request cancelled')));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    try {
      const reply = await Promise.race([host.exchange(w, message, opts.timeoutMs), aborted]).catch((error: unknown) => {
        throw cutStatement(w, error, opts.timeoutMs);
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
  }

  /** The error a caller hears when its statement did not answer; ends the worker unless it was cancelled (already ended). */
  function cutStatement(w: Worker, error: unknown, timeoutMs: number): Error {
    if (error instanceof CancelledError) return error;
    if (error instanceof DatabaseError && error.code === 'QUERY_TIMEOUT') {
      lifecycle.replace(w, 'deadline');
      return new DatabaseError('QUERY_TIMEOUT', `The statement ran longer than ${timeoutMs} ms and was stopped.`, {
        timeoutMs,
      });
    }
    lifecycle.replace(w, 'worker failure');
    return new DatabaseError(
      'DATABASE_UNAVAILABLE',
      `The embedded database failed: ${(error as Error).message}`,
      undefined,
      error,
    );
  }

  const readyWorker = async (): Promise<Worker> => {
    try {
      return await lifecycle.current();
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
        .exchange(w, { op: 'trusted', id: nextId++, text, params: params ?? [] }, undefined)
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
    kind: 'embedded',
    sql,
    get dataDirInUse() {
      return lifecycle.placement?.configured;
    },
    get directory() {
      return lifecycle.placement?.dir;
    },
    get restarts() {
      return lifecycle.restarts;
    },
    async ready() {
      await lifecycle.current();
    },
    async execute(statement, opts): Promise<QueryResult> {
      if (opts.signal?.aborted) throw new CancelledError(String(opts.signal.reason ?? 'Request cancelled'));
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
      queue.rejectAll(engineClosed());
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

function mapWorkerError(error: { message: string; code?: string; position?: string }): DatabaseError {
  if (error.code && /^[0-9A-Z]{5}$/.test(error.code)) {
    return new QueryFailedError(error.code, error.message, error.position ? Number(error.position) : undefined);
  }
  return new DatabaseError('QUERY_FAILED', `The embedded database failed: ${error.message}`);
}
