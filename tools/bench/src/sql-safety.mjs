// The exact one-message text our PostgreSQL engine sends for a parameterless `sql_query` at its defaults, for the
// floor of an MCP server that keeps every safety layer (issue 18): the read-only transaction, the guard's cursor, one
// FETCH of the row cap + 1, ROLLBACK and the session reset. As `planCall` in
// libs/tools-database/src/postgres/postgres-engine.ts builds it when the call's deadline and tenant equal the
// session's (set once at connect, so no SET LOCAL), with the default row cap of 100.

/** The engine's text for `sql` (sent as one simple-protocol message; pg returns one result per statement). */
export function safetyCallText(sql, maxRows = 100) {
  return [
    'BEGIN TRANSACTION READ ONLY',
    `DECLARE agent_mcp_cursor NO SCROLL CURSOR FOR\n${sql}\n`,
    `FETCH FORWARD ${maxRows + 1} FROM agent_mcp_cursor`,
    'ROLLBACK',
    'SELECT pg_advisory_unlock_all()',
    'DEALLOCATE ALL',
  ].join(';\n');
}
