import { wrapUntrusted } from '@agent-mcp/agent-core';
import { CancelledError, ToolError } from '@agent-mcp/mcp-core';
import { DatabaseError, type DatabaseErrorCode, QueryCancelledError, type QueryFailedError } from '../errors';

/**
 * The MCP error for what the guard or an engine threw, at this library's MCP edge (tools and resources): a
 * {@link DatabaseError} becomes a `ToolError` with the same code, message and data (so a client reads
 * `_meta.error.code`), a cancellation becomes `CancelledError`; anything else is left as it is.
 */
export function toMcpError(error: unknown): unknown {
  if (error instanceof QueryCancelledError) return new CancelledError(error.message, { cause: error });
  if (error instanceof DatabaseError)
    return new ToolError<DatabaseErrorCode>(error.message, { code: error.code, data: error.data, cause: error });
  return error;
}

/**
 * The same failure (code and data) with PostgreSQL's message inside the untrusted-data fence of `source`: the
 * message can quote the rows the statement read, and a model reads it.
 */
export function fencedQueryFailure(error: QueryFailedError, source: string): DatabaseError {
  return new DatabaseError(
    'QUERY_FAILED',
    `PostgreSQL refused the statement (SQLSTATE ${error.sqlstate}). Its message:\n` +
      wrapUntrusted(source, error.serverMessage, "PostgreSQL's error message, which can quote the data"),
    error.data,
    error,
  );
}

/** Runs an MCP-facing read and turns what it throws into the MCP error {@link toMcpError} names. */
export async function asMcpCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toMcpError(error);
  }
}
