import { ContextError } from './errors';
/**
 * The seam through which libraries keep their own state in PostgreSQL (support tickets, the research corpus
 * index, task and thread stores) without knowing where the database is: a real server through `pg`, or the
 * embedded PGlite engine the apps start when `DATABASE_URL` is not set. The apps create one implementation and
 * hand it to every library that needs it.
 *
 * It runs the application's own parameterised statements, never caller- or model-written SQL: that goes
 * through the database tools' guarded read-only path.
 */

/** One row as the driver returns it: column name to value. */
export type SqlRow = Record<string, unknown>;

/** The outcome of one statement. */
export interface SqlResult<R extends SqlRow = SqlRow> {
  readonly rows: R[];
  /** Rows returned, or affected by INSERT/UPDATE/DELETE. */
  readonly rowCount: number;
}

/** Per-statement options. */
export interface SqlQueryOptions {
  /** Aborts the statement on the server (the driver's cancel, or ending the embedded worker's statement). */
  readonly signal?: AbortSignal;
  /** Statement deadline in milliseconds; the implementation has a default. */
  readonly timeoutMs?: number;
}

/** Something statements can run on: the client itself, or a transaction it opened. */
export interface SqlQueryable {
  /** Runs one statement with `$1`, `$2`... parameters (never string-built SQL). */
  query<R extends SqlRow = SqlRow>(
    text: string,
    params?: readonly unknown[],
    options?: SqlQueryOptions,
  ): Promise<SqlResult<R>>;
}

/** A PostgreSQL database for the application's own statements. */
export interface SqlClient extends SqlQueryable {
  /** `postgres` for a server reached through `pg`, `embedded` for PGlite. */
  readonly kind: 'postgres' | 'embedded';
  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it
   * throws (the error is rethrown).
   */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>, options?: SqlQueryOptions): Promise<T>;
  /** Releases connections; later calls fail. */
  close(): Promise<void>;
}

/** Why a {@link SqlClient} call failed. */
export type SqlErrorCode =
  /** The statement ran past its deadline and was cancelled on the server. */
  | 'SQL_TIMEOUT'
  /** The caller's signal aborted the statement; it was cancelled on the server. */
  | 'SQL_CANCELLED'
  /** No connection could be made, or the connection broke. */
  | 'SQL_UNAVAILABLE'
  /** PostgreSQL refused the statement; `sqlstate` says why (`23505` unique violation...). */
  | 'SQL_FAILED'
  /** The client was closed, or the transaction the statement belongs to has ended. */
  | 'SQL_CLOSED';

/** The one error type both {@link SqlClient} implementations throw. */
export class SqlError extends ContextError {
  constructor(
    readonly code: SqlErrorCode,
    message: string,
    /** The server's SQLSTATE for `SQL_FAILED`. */
    readonly sqlstate?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
