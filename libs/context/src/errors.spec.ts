// The context error catalogue (README "Errors"): the codes in the README's table and CONTEXT_ERROR_CODES are the
// same, both ways, each in the row of the class that raises it.
import { join } from 'node:path';
import { ConfigError } from './config';
import { CONTEXT_ERROR_CODES, ContextError } from './errors';
import { MemoryValueTooLargeError } from './memory-store';
import { ModelBudgetExceededError } from './model-budget';
import { checkSchemaName, InvalidSchemaNameError } from './private-schema';
import { ProgressOrderError } from './request-context';
import { SqlError } from './sql-client';
import { decodeTaskCursor, InvalidTaskCursorError } from './task-store';
import { codeTable, readmeTable } from './testing/readme-table';
import {
  checkThreadWriteKey,
  decodeThreadCursor,
  InvalidThreadCursorError,
  InvalidThreadWriteKeyError,
} from './threads/thread-store';

/** One error per code, as context raises it. */
const raised: ContextError[] = [
  new ConfigError(['PORT: expected a number']),
  new ProgressOrderError(2, 1),
  new ModelBudgetExceededError(30),
  new MemoryValueTooLargeError(10, 5),
  new InvalidTaskCursorError(),
  new InvalidThreadCursorError(),
  new InvalidThreadWriteKeyError(),
  new InvalidSchemaNameError('x; y'),
  new SqlError('SQL_TIMEOUT', 'slow'),
  new SqlError('SQL_CANCELLED', 'aborted'),
  new SqlError('SQL_UNAVAILABLE', 'down'),
  new SqlError('SQL_FAILED', 'refused', '23505'),
  new SqlError('SQL_CLOSED', 'closed'),
];

describe('context errors', () => {
  it('are the README table: code and class, both ways', () => {
    expect(codeTable(readmeTable(join(__dirname, '..', 'README.md'), '## Errors'))).toEqual(
      Object.fromEntries(raised.map((e) => [e.code, `\`${e.name}\``])),
    );
    expect(raised.map((e) => e.code).sort()).toEqual([...CONTEXT_ERROR_CODES].sort());
    for (const error of raised) expect(error).toBeInstanceOf(ContextError);
  });

  it('are what the cursor and schema checks throw', () => {
    expect(() => decodeTaskCursor('nope')).toThrow(InvalidTaskCursorError);
    expect(() => decodeThreadCursor('nope')).toThrow(InvalidThreadCursorError);
    expect(() => checkThreadWriteKey('')).toThrow(InvalidThreadWriteKeyError);
    expect(() => checkThreadWriteKey('k'.repeat(201))).toThrow(InvalidThreadWriteKeyError);
    expect(() => checkSchemaName('x; DROP TABLE y')).toThrow(InvalidSchemaNameError);
  });
});
