import type { Worker } from 'node:worker_threads';
import { type Logger, noopLogger, type SqlClient, SqlError } from '@agent-mcp/context';
import { createEmbeddedPostgres, type QueueErrors } from '@agent-mcp/store';
import { DatabaseError, QueryCancelledError, QueryFailedError } from '../errors';
import { type CheckedStatement, CURSOR_NAME, trustedStatement } from '../guard/statement-guard';
import { auditProblems, ROLE_AUDIT_SQL } from '../engine/role-audit';
import { preambleStatements, RESET_AFTER_ROLLBACK, SESSION_RESET_EMBEDDED } from '../engine/session-sql';
import {
  type ExecuteOptions,
  type QueryEngine,
  type QueryResult,
  type RawResult,
  type RoleAudit,
} from '../engine/types';
import { paramText, toQueryResult } from '../engine/values';
import { READONLY_TEMP_FILE_LIMIT } from '../sample/role-sql';

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
/**
 * The database tools' embedded engine: caller statements on an {@link createEmbeddedPostgres embedded
 * PostgreSQL} (PGlite in a worker thread, on a directory). Statements run one at a time through its queue
 * (the application's first, callers in turn by principal, every wait bounded); each caller statement gets a
 * deadline after which the worker is ended and a new one reopens the same directory, because PGlite cannot
 * interrupt a running statement. Cancellation ends the worker the same way.
 */
export function createEmbeddedEngine(options: EmbeddedEngineOptions): EmbeddedEngine {
  const logger: Logger = options.logger ?? noopLogger;
  const queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
  const host = createEmbeddedPostgres({
    setupSql: options.setupSql,
    role: options.role,
    dataDir: options.dataDir,
    scratchParent: options.scratchParent,
    snapshotCacheDir: options.snapshotCacheDir,
    settings: { temp_file_limit: READONLY_TEMP_FILE_LIMIT },
    startTimeoutMs: options.startTimeoutMs,
    queueTimeoutMs,
    perKeyStatements: options.perPrincipalStatements,
    maxHeapMb: options.maxHeapMb,
    logger,
  });

  const callerQueueErrors = (signal: AbortSignal | undefined): QueueErrors => ({
    busy: (reason) =>
      new DatabaseError(
        'DATABASE_UNAVAILABLE',
        reason === 'share'
          ? 'The embedded database is busy with your earlier statements; retry when they have finished.'
          : `The embedded database stayed busy for ${queueTimeoutMs} ms; retry later.`,
        { busy: reason, retryAfterMs: reason === 'share' ? 1000 : queueTimeoutMs },
      ),
    cancelled: () => new QueryCancelledError(signal?.reason),
  });

  async function run(statement: CheckedStatement, opts: ExecuteOptions): Promise<RawResult> {
    const { signal } = opts;
    const release = await host.queue.acquire({
      key: opts.principal ?? opts.tenantId,
      signal,
      waitMs: queueTimeoutMs,
      errors: callerQueueErrors(signal),
    });
    try {
      const w = await host.current().catch((error: unknown) => {
        throw unavailable(error);
      });
      return await runOn(w, statement, opts);
    } finally {
      release();
    }
  }

  /** One caller statement on worker `w`; a deadline, cancellation or failure ends `w`. */
  async function runOn(w: Worker, statement: CheckedStatement, opts: ExecuteOptions): Promise<RawResult> {
    const { signal } = opts;
    const preamble = preambleStatements({ timeoutMs: opts.timeoutMs, tenantId: opts.tenantId, role: options.role });
    const params = paramText(opts.params);
    const batch = Math.min(opts.maxRows + 1, 1000);
    // PGlite has no protocol row limit: a SELECT runs as a cursor fetched in bounded batches.
    const text = statement.cursorText ?? statement.text;
    const message = {
      op: 'query',
      id: host.nextId(),
      preamble: preamble.join('; '),
      text,
      params,
      cursor: statement.cursorText !== undefined,
      cursorName: CURSOR_NAME,
      batch,
      maxRows: opts.maxRows,
      maxBytes: opts.maxBytes,
      reset: SESSION_RESET_EMBEDDED,
      // A SELECT without parameters whose rows fit one batch: the whole call in one exec (see oneExecCall).
      ...(statement.cursorText !== undefined && params.length === 0 && batch === opts.maxRows + 1
        ? oneExecCall(preamble, statement.cursorText, batch)
        : {}),
    };
    // Where the caller's statement starts in what the server parsed, for error positions in the caller's terms.
    const offset = (message.simple?.indexOf(text) ?? 0) + text.indexOf(statement.text);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        host.replace(w, 'cancelled');
        reject(new QueryCancelledError(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    try {
      const reply = await Promise.race([host.exchange(w, message, opts.timeoutMs), aborted]).catch((error: unknown) => {
        throw cutStatement(w, error, opts.timeoutMs);
      });
      if (reply.type === 'error') throw mapWorkerError(reply.error ?? { message: 'unknown error' }, offset);
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
    if (error instanceof QueryCancelledError) return error;
    if (error instanceof SqlError && error.code === 'SQL_TIMEOUT') {
      host.replace(w, 'deadline');
      return new DatabaseError('QUERY_TIMEOUT', `The statement ran longer than ${timeoutMs} ms and was stopped.`, {
        timeoutMs,
      });
    }
    host.replace(w, 'worker failure');
    return new DatabaseError(
      'DATABASE_UNAVAILABLE',
      `The embedded database failed: ${(error as Error).message}`,
      undefined,
      error,
    );
  }

  return {
    kind: 'embedded',
    sql: host.sql,
    get dataDirInUse() {
      return host.dataDirInUse;
    },
    get directory() {
      return host.directory;
    },
    get restarts() {
      return host.restarts;
    },
    async ready() {
      await host.current().catch((error: unknown) => {
        throw unavailable(error);
      });
    },
    async execute(statement, opts): Promise<QueryResult> {
      if (opts.signal?.aborted) throw new QueryCancelledError(opts.signal.reason);
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
    close: () => host.close(),
  };
}

/** The host's start failure or closed state, as the database tools' error. */
function unavailable(error: unknown): DatabaseError {
  if (error instanceof SqlError && error.code === 'SQL_CLOSED')
    return new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.', undefined, error);
  return new DatabaseError('DATABASE_UNAVAILABLE', (error as Error).message, undefined, error);
}

/**
 * One call as one simple-protocol text: the preamble, the guard's cursor text (which it parsed as exactly one
 * DECLARE of the caller's statement, ending in a line break so no comment of the caller's reaches past it), one
 * FETCH of `fetchRows`, ROLLBACK, then what a session still needs after a rolled-back read-only transaction
 * (RESET_AFTER_ROLLBACK: everything else `SESSION_RESET_EMBEDDED` resets is undone by the rollback). The worker
 * checks the server ran exactly `simpleCount` statements before it returns any row.
 */
function oneExecCall(
  preamble: readonly string[],
  cursorText: string,
  fetchRows: number,
): { simple: string; simpleCount: number; fetchIndex: number } {
  const statements = [
    ...preamble,
    cursorText,
    `FETCH FORWARD ${fetchRows} FROM ${CURSOR_NAME}`,
    'ROLLBACK',
    ...RESET_AFTER_ROLLBACK,
  ];
  return { simple: statements.join(';\n'), simpleCount: statements.length, fetchIndex: preamble.length + 1 };
}

function mapWorkerError(error: { message: string; code?: string; position?: string }, offset: number): DatabaseError {
  if (error.code && /^[0-9A-Z]{5}$/.test(error.code)) {
    // A position inside our own text around the statement is no position in the caller's.
    const position = error.position ? Number(error.position) - offset : 0;
    return new QueryFailedError(error.code, error.message, position > 0 ? position : undefined);
  }
  return new DatabaseError('QUERY_FAILED', `The embedded database failed: ${error.message}`);
}
