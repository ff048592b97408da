import { wrapUntrusted } from '@agent-mcp/agent-core';
import { ToolError } from '@agent-mcp/mcp-core';

/**
 * Errors of the database tools. Each is a `ToolError` (so MCP callers and the model read its message) with a
 * stable `code`:
 * - `SQL_REFUSED`: the statement guard refused the SQL before anything ran; `data.rule` names the rule.
 * - `SQL_INVALID`: the SQL does not parse.
 * - `QUERY_TIMEOUT`: the statement ran past its deadline and was stopped.
 * - `QUERY_FAILED`: the database rejected the statement (permission, missing column, read-only violation...);
 *   raised as {@link QueryFailedError}.
 * - `DATABASE_UNAVAILABLE`: the engine could not be reached or is restarting and the call could not wait.
 */
export type DatabaseErrorCode =
  'SQL_REFUSED' | 'SQL_INVALID' | 'QUERY_TIMEOUT' | 'QUERY_FAILED' | 'DATABASE_UNAVAILABLE';

/** Base class of the database tools' errors. */
export class DatabaseError extends ToolError {
  declare readonly code: DatabaseErrorCode;
  constructor(code: DatabaseErrorCode, message: string, data?: Readonly<Record<string, unknown>>, cause?: unknown) {
    super(message, { code, data, cause });
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
    this.name = 'SqlRefusedError';
  }
}

/**
 * PostgreSQL refused a statement (a missing column, a failed cast, a permission). `message` is PostgreSQL's own,
 * for the log; it can quote the data the statement read (`invalid input syntax for type integer: "<a row's
 * text>"`), so text a model reads carries it only fenced: {@link QueryFailedError.fenced}, or an agent tool's
 * thrown error, which the agent runner fences.
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
    this.name = 'QueryFailedError';
  }

  /** The same failure (code and data) with PostgreSQL's message inside the untrusted-data fence of `source`. */
  fenced(source: string): DatabaseError {
    return new DatabaseError(
      'QUERY_FAILED',
      `PostgreSQL refused the statement (SQLSTATE ${this.sqlstate}). Its message:\n` +
        wrapUntrusted(source, this.serverMessage, "PostgreSQL's error message, which can quote the data"),
      this.data,
      this,
    );
  }
}
