/**
 * Errors of the statement guard and the query engines. They stay local (string codes, no JSON-RPC code), so the
 * guard and the engines stand alone; the MCP tools and resources of this library turn them into MCP errors at
 * their edge (`tools/tool-errors.ts`), with the same code, message and data.
 */

/**
 * Codes of the database errors (the README's "Errors" table; `errors.spec.ts` holds them equal):
 * - `SQL_REFUSED`: the statement guard refused the SQL before anything ran; `data.rule` names the rule.
 * - `SQL_INVALID`: the SQL does not parse.
 * - `QUERY_TIMEOUT`: the statement ran past its deadline and was stopped.
 * - `QUERY_FAILED`: the database rejected the statement (permission, missing column, read-only violation...);
 *   raised as {@link QueryFailedError}.
 * - `QUERY_CANCELLED`: the caller's signal fired; the statement was stopped.
 * - `DATABASE_UNAVAILABLE`: the engine could not be reached or is restarting and the call could not wait.
 */
export const DATABASE_ERROR_CODES = Object.freeze([
  'SQL_REFUSED',
  'SQL_INVALID',
  'QUERY_TIMEOUT',
  'QUERY_FAILED',
  'QUERY_CANCELLED',
  'DATABASE_UNAVAILABLE',
] as const);

/** One of {@link DATABASE_ERROR_CODES}. */
export type DatabaseErrorCode = (typeof DATABASE_ERROR_CODES)[number];

/** Base class of the database errors: a stable `code` and log-safe `data`; the message is for the caller. */
export class DatabaseError extends Error {
  readonly data?: Readonly<Record<string, unknown>>;

  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
    data?: Readonly<Record<string, unknown>>,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.data = data;
  }
}

/** Which guard rule refused a statement; stable, documented identifiers. */
export type GuardRule =
  | 'single_statement'
  | 'statement_type'
  | 'select_into'
  | 'locking_clause'
  | 'data_modifying_cte'
  | 'explain_analyze'
  | 'explain_option'
  | 'denied_function'
  | 'node_not_allowed'
  | 'empty_statement'
  | 'too_long';

/** The statement guard refused the SQL; nothing was executed. */
export class SqlRefusedError extends DatabaseError {
  constructor(
    readonly rule: GuardRule,
    detail: string,
  ) {
    super('SQL_REFUSED', `Refused by rule ${rule}: ${detail}. Nothing was executed.`, { rule });
  }
}

/**
 * PostgreSQL refused a statement (a missing column, a failed cast, a permission). `message` is PostgreSQL's own,
 * for the log; it can quote the data the statement read (`invalid input syntax for type integer: "<a row's
 * text>"`), so text a model reads carries it only fenced (the tools' `fencedQueryFailure`, or an agent tool's
 * thrown error, which the agent runner fences).
 */
export class QueryFailedError extends DatabaseError {
  constructor(
    /** PostgreSQL's error code, e.g. `22P02`. */
    readonly sqlstate: string,
    /** PostgreSQL's message: untrusted, it can quote the data. */
    readonly serverMessage: string,
    position?: number,
    cause?: unknown,
  ) {
    super(
      'QUERY_FAILED',
      `PostgreSQL refused the statement: ${serverMessage} (SQLSTATE ${sqlstate})`,
      { sqlstate, ...(position ? { position } : {}) },
      cause,
    );
  }
}

/** The caller's signal fired before or while the statement ran; it was stopped, or never sent. */
export class QueryCancelledError extends DatabaseError {
  constructor(reason: unknown) {
    super('QUERY_CANCELLED', String(reason ?? 'Request cancelled'));
  }
}
