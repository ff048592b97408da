import type pg from 'pg';
import {
  type SqlClient,
  SqlError,
  type SqlQueryable,
  type SqlQueryOptions,
  type SqlResult,
  type SqlRow,
} from '@agent-mcp/context';

/** Options of {@link createPgSqlClient}. */
export interface PgSqlClientOptions {
  /** `postgres://user@host:port/db` of a role that owns (or may write) the application's tables. */
  readonly connectionString: string;
  /** Most pooled connections. Default 10. */
  readonly poolMax?: number;
  /** How long to wait for a connection (new or from the pool). Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Deadline of a statement that sets none. Default 30000 ms. */
  readonly defaultTimeoutMs?: number;
  /** After a cancel request, how long the server gets to stop before the connection is destroyed. Default 1000 ms. */
  readonly cancelGraceMs?: number;
  /** Shown in `pg_stat_activity`. Default `agent-mcp`. */
  readonly applicationName?: string;
  /** Called for errors of idle pooled connections (a server restart, a terminated backend). */
  readonly onIdleError?: (error: Error) => void;
}

/** The parts of a connected `pg` client a CancelRequest needs, which the type definitions leave out. */
interface CancellableClient {
  readonly processID: number | null;
  readonly secretKey: number | null;
  readonly connectionParameters: { readonly host: string; readonly port: number };
}

/** The parts of pg's Connection the type definitions leave out. */
interface RawConnection {
  connect(port: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
}

type PgModule = typeof pg;

/**
 * Loads `pg` on first use rather than importing it: it is an optional peer dependency (most users of this
 * package never open a server connection), and the apps bundle this package into one ESM file where a
 * static import would inline CommonJS `pg`. ESM bundles have no `require`, so resolve from the entry script.
 */
function loadPg(): PgModule {
  try {
    if (typeof require === 'function' && typeof require.resolve === 'function') return require('pg') as PgModule;
    const { createRequire } = process.getBuiltinModule('node:module');
    const path = process.getBuiltinModule('node:path');
    const base = process.argv[1] ? path.resolve(process.argv[1]) : path.join(process.cwd(), 'index.js');
    return createRequire(base)('pg') as PgModule;
  } catch (error) {
    throw new SqlError(
      'SQL_UNAVAILABLE',
      'A PostgreSQL server connection needs the `pg` package, an optional peer dependency of @agent-mcp/context: npm install pg',
      undefined,
      { cause: error },
    );
  }
}

/**
 * Asks the server to cancel the statement a connected `pg` client is running, with the protocol's
 * CancelRequest on a new socket (what `pg_cancel_backend` does, without needing a free connection).
 * Resolves when the request was sent or after `timeoutMs`; never rejects.
 *
 * A cancel request that arrives after the statement ended may hit the connection's next statement, so a
 * caller should discard the connection after sending one.
 *
 * @param client - a connected `pg.Client` or pooled client.
 */
export function sendPgCancelRequest(client: object, timeoutMs = 1000): Promise<void> {
  const c = client as CancellableClient;
  if (c.processID === null || c.secretKey === null || c.processID === undefined) return Promise.resolve();
  const { host, port } = c.connectionParameters;
  return new Promise<void>((resolve) => {
    // A CancelRequest is read before any TLS negotiation and is not subject to pg_hba, so plain TCP serves.
    const { Connection } = loadPg();
    const con = new Connection() as pg.Connection & RawConnection;
    const done = () => {
      clearTimeout(timer);
      con.stream.destroy();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    con.on('connect', () => {
      con.cancel(c.processID as number, c.secretKey as number);
      // The server closes the socket once it has read the request.
      con.stream.once('close', done);
    });
    con.on('error', done);
    if (host.startsWith('/')) con.connect(`${host}/.s.PGSQL.${port}`);
    else con.connect(port, host);
  });
}

/** How often {@link cancelPgStatement} asks again while the statement has not ended. */
const CANCEL_REPEAT_MS = 100;

/**
 * Cancels the statement a connected `pg` client is running, and keeps at it: a CancelRequest now and another
 * every 100 ms until `stop()` (call it when the statement has ended), then, if it still has not ended after
 * `graceMs`, `onGrace` (cut the connection). A cancel request is best effort: the server drops one that lands
 * while it reads the client's next message, and a statement whose cancel was lost runs on to its timeout.
 * Discard the connection afterwards: a late request may cancel whatever the connection runs next.
 *
 * @returns stops the requests and the grace timer. Idempotent.
 */
export function cancelPgStatement(client: object, graceMs: number, onGrace: () => void): () => void {
  const ask = () => void sendPgCancelRequest(client, graceMs);
  ask();
  const again = setInterval(ask, CANCEL_REPEAT_MS);
  const grace = setTimeout(() => {
    clearInterval(again);
    onGrace();
  }, graceMs);
  return () => {
    clearInterval(again);
    clearTimeout(grace);
  };
}

/**
 * Runs one statement on `client` within `timeoutMs` and the caller's `signal`: either interrupts it with cancel
 * requests (then cuts the socket after `cancelGraceMs`), and `onInterrupt` learns the connection must not be reused.
 */
async function runPgStatement<R extends SqlRow>(
  client: pg.PoolClient,
  text: string,
  params: readonly unknown[] | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  cancelGraceMs: number,
  onInterrupt: () => void,
): Promise<SqlResult<R>> {
  if (signal?.aborted) throw cancelled(signal);
  if (timeoutMs <= 0) throw timedOut(timeoutMs);
  let stop: 'cancelled' | 'timeout' | undefined;
  let stopCancelling: (() => void) | undefined;
  const interrupt = (why: 'cancelled' | 'timeout') => {
    if (stop) return;
    stop = why;
    onInterrupt();
    // A server or network that ignores the cancel requests must not hold the caller: cut the socket.
    const stream = (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream;
    stopCancelling = cancelPgStatement(client, cancelGraceMs, () => stream.destroy());
  };
  const onAbort = () => interrupt('cancelled');
  signal?.addEventListener('abort', onAbort, { once: true });
  const deadline = setTimeout(() => interrupt('timeout'), timeoutMs);
  try {
    const answered = (await client.query<R>({ text, values: params as unknown[] | undefined })) as
      pg.QueryResult<R> | Array<pg.QueryResult<R>>;
    if (stop === 'cancelled') throw cancelled(signal);
    // A script of several statements (no parameters) answers one result each; the last one is the outcome.
    const result = Array.isArray(answered) ? answered[answered.length - 1] : answered;
    if (!result) return { rows: [], rowCount: 0 };
    return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
  } catch (error) {
    if (error instanceof SqlError) throw error;
    if (stop === 'cancelled') throw cancelled(signal, error);
    if (stop === 'timeout') throw timedOut(timeoutMs, error);
    throw mapError(error);
  } finally {
    clearTimeout(deadline);
    stopCancelling?.();
    signal?.removeEventListener('abort', onAbort);
  }
}

interface Deadline {
  readonly signal?: AbortSignal;
  /** Epoch ms after which the transaction's statements time out. */
  readonly at?: number;
  readonly timeoutMs?: number;
}

/**
 * A {@link SqlClient} on a real PostgreSQL server through a `pg` pool. Each statement has a deadline (its
 * own `timeoutMs`, else `defaultTimeoutMs`); when it passes, or the caller's signal aborts, the running
 * statement is cancelled on the server and the connection is discarded rather than reused. Needs the `pg`
 * package (an optional peer dependency); throws {@link SqlError} `SQL_UNAVAILABLE` when it is missing.
 */
export function createPgSqlClient(options: PgSqlClientOptions): SqlClient {
  const { Pool } = loadPg();
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
  const cancelGraceMs = options.cancelGraceMs ?? 1000;
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'agent-mcp',
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  // A connection we cut on purpose reports its end as an error event; without a listener that would be an
  // uncaught exception. Calls learn of failures from their queries.
  pool.on('connect', (client) => client.on('error', () => undefined));
  let closed = false;

  async function connect(signal: AbortSignal | undefined): Promise<pg.PoolClient> {
    if (closed) throw new SqlError('SQL_CLOSED', 'The SQL client is closed.');
    if (signal?.aborted) throw cancelled(signal);
    try {
      return await pool.connect();
    } catch (error) {
      throw new SqlError('SQL_UNAVAILABLE', `Could not connect to PostgreSQL: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
  }

  const release = (client: pg.PoolClient, broken: boolean) =>
    client.release(broken ? new Error('connection discarded after an interrupted statement') : undefined);

  return {
    kind: 'postgres',

    async query<R extends SqlRow = SqlRow>(
      text: string,
      params?: readonly unknown[],
      opts: SqlQueryOptions = {},
    ): Promise<SqlResult<R>> {
      const client = await connect(opts.signal);
      let broken = false;
      try {
        const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
        return await runPgStatement<R>(
          client,
          text,
          params,
          timeoutMs,
          opts.signal,
          cancelGraceMs,
          () => (broken = true),
        );
      } finally {
        release(client, broken);
      }
    },

    async transaction<T>(work: (tx: SqlQueryable) => Promise<T>, opts: SqlQueryOptions = {}): Promise<T> {
      const client = await connect(opts.signal);
      const limits: Deadline = {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.timeoutMs !== undefined ? { at: Date.now() + opts.timeoutMs, timeoutMs: opts.timeoutMs } : {}),
      };
      let broken = false;
      let ended = false;
      const onInterrupt = () => (broken = true);
      const step = <R extends SqlRow>(text: string, params?: readonly unknown[], o: SqlQueryOptions = {}) => {
        if (ended) return Promise.reject(new SqlError('SQL_CLOSED', 'The transaction has already ended.'));
        if (broken) return Promise.reject(new SqlError('SQL_UNAVAILABLE', 'The transaction was interrupted.'));
        const signal =
          o.signal && limits.signal ? AbortSignal.any([o.signal, limits.signal]) : (o.signal ?? limits.signal);
        const own = o.timeoutMs ?? defaultTimeoutMs;
        // The transaction's deadline bounds all its statements together.
        const timeoutMs = limits.at === undefined ? own : Math.min(own, limits.at - Date.now());
        return runPgStatement<R>(client, text, params, timeoutMs, signal, cancelGraceMs, onInterrupt).catch(
          (error: unknown) => {
            if (
              error instanceof SqlError &&
              error.code === 'SQL_TIMEOUT' &&
              limits.at !== undefined &&
              Date.now() >= limits.at
            ) {
              throw timedOut(limits.timeoutMs as number, error);
            }
            throw error;
          },
        );
      };
      const tx: SqlQueryable = { query: step };
      try {
        await step('BEGIN');
        const value = await work(tx);
        await step('COMMIT');
        return value;
      } catch (error) {
        // Without the caller's signal or deadline: an aborted caller still wants the rollback.
        if (!broken && !ended)
          await runPgStatement(
            client,
            'ROLLBACK',
            undefined,
            defaultTimeoutMs,
            undefined,
            cancelGraceMs,
            onInterrupt,
          ).catch(() => (broken = true));
        throw error;
      } finally {
        ended = true;
        release(client, broken);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

function cancelled(signal: AbortSignal | undefined, cause?: unknown): SqlError {
  return new SqlError(
    'SQL_CANCELLED',
    `The statement was cancelled: ${String(signal?.reason ?? 'request cancelled')}`,
    undefined,
    { cause },
  );
}

function timedOut(timeoutMs: number, cause?: unknown): SqlError {
  return new SqlError('SQL_TIMEOUT', `The statement ran longer than ${timeoutMs} ms and was cancelled.`, undefined, {
    cause,
  });
}

function mapError(error: unknown): SqlError {
  const e = error as { code?: string; message?: string };
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    return new SqlError('SQL_FAILED', `PostgreSQL refused the statement: ${e.message} (SQLSTATE ${e.code})`, e.code, {
      cause: error,
    });
  }
  return new SqlError('SQL_UNAVAILABLE', `The database connection failed: ${e.message ?? String(error)}`, undefined, {
    cause: error,
  });
}
