import { type CheckedStatement } from '../guard/statement-guard';

/** A JSON value as rows carry them. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One result column. */
export interface ColumnInfo {
  /** Column name; repeated names get a `_2`, `_3`... suffix so rows can be keyed by name. */
  readonly name: string;
  /** PostgreSQL type name for common types (`int4`, `text`, `timestamptz`...), else `oid:<n>`. */
  readonly type: string;
}

/** The outcome of one read-only statement. */
export interface QueryResult {
  readonly columns: readonly ColumnInfo[];
  /** Rows keyed by column name, values normalised to JSON (see values.ts). */
  readonly rows: readonly Record<string, JsonValue>[];
  readonly rowCount: number;
  /** True when more rows existed than the row or byte cap let through. */
  readonly truncated: boolean;
  /** Which cap cut the result, when `truncated`. */
  readonly truncatedBy?: 'rows' | 'bytes';
}

/** Per-call limits and context. */
export interface ExecuteOptions {
  /** Values for `$1`, `$2`...: strings, numbers, booleans or null (objects are sent as JSON text). */
  readonly params?: readonly unknown[];
  /** Most rows returned; one more is fetched to tell whether the result was truncated. */
  readonly maxRows: number;
  /** Most bytes of row data (UTF-8 text of the values) returned. */
  readonly maxBytes: number;
  /** Statement deadline in milliseconds. */
  readonly timeoutMs: number;
  /** Aborts the running statement on the server (client cancellation). */
  readonly signal?: AbortSignal;
  /** Set as the transaction-local tenant setting, for row-level security policies. */
  readonly tenantId?: string;
  /**
   * Who asks (a principal key), so an engine that runs one statement at a time can take callers in turn;
   * default: the tenant.
   */
  readonly principal?: string;
}

/** Which privileges of the connected role break least privilege. */
export interface RoleAudit {
  readonly role: string;
  /** Human-readable problems, empty when the role is read-only. */
  readonly problems: readonly string[];
}

/** Where statements run: a PostgreSQL server through `pg`, or the embedded PGlite engine. */
export interface QueryEngine {
  readonly kind: 'postgres' | 'embedded';
  /**
   * Runs one statement the guard accepted inside `BEGIN READ ONLY` with transaction-local timeouts, then
   * rolls back and resets the session, whatever happened.
   */
  execute(statement: CheckedStatement, options: ExecuteOptions): Promise<QueryResult>;
  /** Checks the connected role for write, create, temp and server-file privileges. */
  auditRole(): Promise<RoleAudit>;
  /** Releases connections and workers. */
  close(): Promise<void>;
  /** Use of the connection pool, for metrics; engines without a pool leave it out. */
  poolStats?(): PoolStats;
}

/** How a connection pool is used right now. */
export interface PoolStats {
  /** Open connections, idle or lent. */
  readonly total: number;
  readonly idle: number;
  /** Calls waiting for a connection. */
  readonly waiting: number;
  /** Most connections the pool opens. */
  readonly max: number;
}

/** Raw rows as engines deliver them: PostgreSQL text format, one array per row. */
export interface RawResult {
  readonly fields: ReadonlyArray<{ readonly name: string; readonly dataTypeID: number }>;
  readonly rows: ReadonlyArray<ReadonlyArray<string | null>>;
  readonly truncated: boolean;
  readonly truncatedBy?: 'rows' | 'bytes';
}
