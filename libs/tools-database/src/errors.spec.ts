// The database error catalogue (README "Errors"): the codes in the README's table and DATABASE_ERROR_CODES are the
// same, both ways, each with the class that raises it; at the MCP edge each keeps its code, message and data.
import { join } from 'node:path';
import { codeTable, readmeTable } from '@agent-mcp/context/testing';
import { CancelledError, ToolError } from '@agent-mcp/mcp-core';
import { DATABASE_ERROR_CODES, DatabaseError, QueryCancelledError, QueryFailedError, SqlRefusedError } from './errors';
import { fencedQueryFailure, toMcpError } from './tools/tool-errors';

/** One error per code, as the guard and the engines raise it. */
const raised: DatabaseError[] = [
  new SqlRefusedError('statement_type', 'only SELECT'),
  new DatabaseError('SQL_INVALID', 'The SQL does not parse.', { position: 3 }),
  new DatabaseError('QUERY_TIMEOUT', 'The statement ran longer than 10 ms and was stopped.', { timeoutMs: 10 }),
  new QueryFailedError('22P02', 'invalid input syntax for type integer: "x"', 8),
  new QueryCancelledError('client went away'),
  new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.'),
];

describe('database errors', () => {
  it('are the README table: code and class, both ways', () => {
    expect(codeTable(readmeTable(join(__dirname, '..', 'README.md'), '## Errors'))).toEqual(
      Object.fromEntries(raised.map((e) => [e.code, `\`${e.name}\``])),
    );
    expect(raised.map((e) => e.code).sort()).toEqual([...DATABASE_ERROR_CODES].sort());
  });

  it('reach an MCP client with their code, message and data; a cancellation as CANCELLED', () => {
    for (const error of raised.filter((e) => !(e instanceof QueryCancelledError))) {
      const mapped = toMcpError(error);
      expect(mapped).toBeInstanceOf(ToolError);
      expect(mapped).toMatchObject({ code: error.code, message: error.message, data: error.data, cause: error });
    }
    expect(toMcpError(new QueryCancelledError('client went away'))).toEqual(new CancelledError('client went away'));
    const other = new Error('not ours');
    expect(toMcpError(other)).toBe(other);
  });

  it('fence PostgreSQL’s message, which can quote the data, and keep sqlstate and position', () => {
    const fenced = fencedQueryFailure(raised[3] as QueryFailedError, 'sql_query');
    expect(fenced).toMatchObject({ code: 'QUERY_FAILED', data: { sqlstate: '22P02', position: 8 } });
    expect(fenced.message).toMatch(/^PostgreSQL refused the statement \(SQLSTATE 22P02\)\. Its message:\n/);
    expect(fenced.message).toContain('sql_query');
  });
});
