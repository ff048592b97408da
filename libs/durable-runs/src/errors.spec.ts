// The runs' error catalogue (README "Errors"): every code in DURABLE_RUNS_ERROR_CODES is in the README's table, in
// the row of the class that carries it, and the table names no other code.
import { join } from 'node:path';
import { codeSpans, readmeTable } from '@agent-mcp/context/testing';
import {
  DURABLE_RUNS_ERROR_CODES,
  type DurableRunsError,
  InvalidRunsOptionsError,
  RunMailboxFullError,
  RunNotFoundError,
  RunQueueFullError,
  RunNotResumableError,
  RunOfOtherFormatError,
  RunWaitTimeoutError,
  DurableRunsInUseError,
} from './errors';

/** The README's table: each code with the text of its row's class column. */
function readmeCodes(): Map<string, string> {
  const rows = readmeTable(join(__dirname, '..', 'README.md'), '### Errors');
  return new Map(rows.flatMap(([classes, codes]) => codeSpans(codes ?? '').map((code) => [code, classes ?? ''])));
}

const raised: DurableRunsError[] = [
  new RunQueueFullError(256, 5),
  new RunNotFoundError('r'),
  new RunMailboxFullError('r', 64),
  new InvalidRunsOptionsError('bad'),
  new RunNotResumableError('r', 'research'),
  new RunOfOtherFormatError('r', 'agent-runs-1'),
  new RunWaitTimeoutError('r', 'slot', 1000),
  new DurableRunsInUseError('replica-a'),
];

describe('durable-runs errors', () => {
  it('are the README table, both ways, each code in its class’s row', () => {
    const table = readmeCodes();
    expect([...table.keys()].sort()).toEqual([...DURABLE_RUNS_ERROR_CODES].sort());
    expect(raised.map((e) => e.code).sort()).toEqual([...DURABLE_RUNS_ERROR_CODES].sort());
    for (const error of raised) expect(table.get(error.code)).toContain(`\`${error.name}\``);
  });

  it('log as code and message only', () => {
    expect(JSON.parse(JSON.stringify(new RunNotFoundError('r-1')))).toEqual({
      name: 'RunNotFoundError',
      code: 'run_not_found',
      message: expect.stringContaining('"r-1"'),
    });
  });
});
