// The support error catalogue (README "Errors"): the codes in the README's table and SUPPORT_ERROR_CODES are the
// same, both ways; each reaches the caller as a ToolError with its code, and store failures map to theirs.
import { join } from 'node:path';
import { SqlError } from '@agent-mcp/context';
import { codeSpans, readmeTable } from '@agent-mcp/context/testing';
import { CancelledError, ToolError, UnavailableError } from '@agent-mcp/mcp-core';
import { SUPPORT_ERROR_CODES, supportError } from './errors';
import { storeError } from './support-tools';

describe('support errors', () => {
  it('are the README table, both ways', () => {
    const table = readmeTable(join(__dirname, '..', 'README.md'), '## Errors').map(
      ([code]) => codeSpans(code ?? '')[0],
    );
    expect(table).toEqual([...SUPPORT_ERROR_CODES]);
  });

  it('reach the caller as a tool error with their code and message', () => {
    for (const code of SUPPORT_ERROR_CODES) {
      expect(supportError(code, 'why')).toEqual(expect.objectContaining({ code, message: 'why', kind: 'tool' }));
      expect(supportError(code, 'why')).toBeInstanceOf(ToolError);
    }
  });

  it('are what a store failure becomes: a refused value, a timeout; a cancel and an outage are mcp-core’s', () => {
    expect(storeError(new SqlError('SQL_FAILED', 'bad', '22P02'))).toMatchObject({ code: 'INVALID_VALUE' });
    expect(storeError(new SqlError('SQL_TIMEOUT', 'slow'))).toMatchObject({ code: 'SUPPORT_TIMEOUT' });
    expect(storeError(new SqlError('SQL_CANCELLED', 'stop'))).toBeInstanceOf(CancelledError);
    expect(storeError(new SqlError('SQL_UNAVAILABLE', 'down'))).toBeInstanceOf(UnavailableError);
  });
});
