import { ToolError } from '@agent-mcp/mcp-core';

/**
 * Errors of the database tools. Each is a `ToolError` (so MCP callers and the model read its message) with a
 * stable `code`:
 * - `SQL_REFUSED`: the statement guard refused the SQL before anything ran; `data.rule` names the rule.
 * - `SQL_INVALID`: the SQL does not parse.
 * - `QUERY_TIMEOUT`: the statement ran past its deadline and was stopped.
 * - `QUERY_FAILED`: the database rejected the statement (permission, missing column, read-only violation...).
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
