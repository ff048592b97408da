// The README-table reader the errors specs share: the rows of the table under a heading, cells trimmed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeSpans, codeTable, readmeTable } from './readme-table';

const readme = join(mkdtempSync(join(tmpdir(), 'readme-table-')), 'README.md');
writeFileSync(
  readme,
  [
    '# lib',
    '',
    '| not | this |',
    '|---|---|',
    '| `X` | no |',
    '',
    '## Errors',
    '',
    '**Local.** Some prose.',
    '',
    '| code | class | when |',
    '|---|---|---|',
    "| `A_B` | `AError` | `'x' \\| 'y'` |",
    '|  `C`  | `CError` / `DError` | |',
    '',
    '| `Z` | after the table | |',
  ].join('\n'),
);

describe('readmeTable', () => {
  it('reads the body rows of the first table after the headings, each heading after the one before', () => {
    expect(readmeTable(readme, '## Errors', '**Local.**')).toEqual([
      ['`A_B`', '`AError`', "`'x' \\| 'y'`"],
      ['`C`', '`CError` / `DError`', ''],
    ]);
    expect(readmeTable(readme, '# lib')).toEqual([['`X`', 'no']]);
  });

  it('says which heading it did not find', () => {
    expect(() => readmeTable(readme, '## Errors', '# lib')).toThrow('has no "# lib"');
  });

  it('gives the text of each code span of a cell', () => {
    expect(codeSpans('`CError` / `DError` (`data`)')).toEqual(['CError', 'DError', 'data']);
    expect(codeSpans('plain')).toEqual([]);
  });

  it('reads a table of codes as code to its second cell, a row without a code under the empty name', () => {
    expect(codeTable(readmeTable(readme, '## Errors'))).toEqual({ A_B: '`AError`', C: '`CError` / `DError`' });
    expect(codeTable([['plain', 'x']])).toEqual({ '': 'x' });
  });
});
