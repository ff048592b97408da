/**
 * The context library's errors. They stay local (string codes, no JSON-RPC code): context is neutral, and the
 * layer that serves a request decides what a caller reads (mcp-core turns a bad cursor into a validation error,
 * agent-tools a spent model budget into a rate limit; a SQL failure becomes each tool library's own error).
 */

/**
 * Codes of {@link ContextError} (the README's "Errors" table; `errors.spec.ts` holds them equal). The `SQL_*` codes
 * are {@link SqlError}'s, which both `SqlClient` implementations throw.
 */
export const CONTEXT_ERROR_CODES = Object.freeze([
  'CONFIG_INVALID',
  'PROGRESS_NOT_INCREASING',
  'MODEL_BUDGET_EXCEEDED',
  'MEMORY_VALUE_TOO_LARGE',
  'TASK_CURSOR_INVALID',
  'THREAD_CURSOR_INVALID',
  'THREAD_WRITE_KEY_INVALID',
  'SCHEMA_NAME_INVALID',
  'SQL_TIMEOUT',
  'SQL_CANCELLED',
  'SQL_UNAVAILABLE',
  'SQL_FAILED',
  'SQL_CLOSED',
] as const);

/** One of {@link CONTEXT_ERROR_CODES}. */
export type ContextErrorCode = (typeof CONTEXT_ERROR_CODES)[number];

/** Base class of the context library's errors: a stable `code`; the message says what was wrong. */
export abstract class ContextError extends Error {
  abstract readonly code: ContextErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
