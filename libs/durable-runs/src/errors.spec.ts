// The runs' error catalogue (README "Errors"): every code in DURABLE_RUNS_ERROR_CODES is in the README's table, in
// the row of the class that carries it, and the table names no other code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DURABLE_RUNS_ERROR_CODES,
  type DurableRunsError,
  InvalidRunsOptionsError,
  RunMailboxFullError,
  RunNotFoundError,
  RunQueueFullError,
} from './errors';

function readmeTable(): Map<string, string> {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Errors'));
  const rows = new Map<string, string>();
  for (const line of section.slice(0, section.indexOf('\n\n', section.indexOf('| class |'))).split('\n')) {
    const [, classes, codes] = line.split('|').map((c) => c.trim());
    for (const m of (codes ?? '').matchAll(/`([a-z_]+)`/g)) rows.set(m[1] as string, classes ?? '');
  }
  return rows;
}

const raised: DurableRunsError[] = [
  new RunQueueFullError(256, 5),
  new RunNotFoundError('r'),
  new RunMailboxFullError('r', 64),
  new InvalidRunsOptionsError('bad'),
];

describe('durable-runs errors', () => {
  it('are the README table, both ways, each code in its class’s row', () => {
    const table = readmeTable();
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
