// The store error catalogue (README "Errors"): the codes in the README's table and STORE_ERROR_CODES are the same,
// both ways, each in the row of the class that raises it.
import { join } from 'node:path';
import { codeTable, readmeTable } from '@agent-mcp/context/testing';
import { STORE_ERROR_CODES, StoreError } from './errors';
import { TooManyPendingError } from './sql-confirmation-store';

describe('store errors', () => {
  it('are the README table: code and class, both ways', () => {
    const raised: StoreError[] = [new TooManyPendingError('There are already 3 confirmations waiting.')];
    expect(codeTable(readmeTable(join(__dirname, '..', 'README.md'), '## Errors'))).toEqual(
      Object.fromEntries(raised.map((e) => [e.code, `\`${e.name}\``])),
    );
    expect(raised.map((e) => e.code).sort()).toEqual([...STORE_ERROR_CODES].sort());
    for (const error of raised) expect(error).toBeInstanceOf(StoreError);
  });
});
