// renderTable: the text table a model reads; cells must not break the table's rows or columns.
import { renderTable } from './render';

const result = (rows: Record<string, string | number | null>[]) => ({
  columns: [
    { name: 'id', type: 'int4' },
    { name: 'note', type: 'text' },
  ],
  rows,
  rowCount: rows.length,
  truncated: false,
});

it('leaves plain cells as they are and writes NULL for null', () => {
  expect(
    renderTable(
      result([
        { id: 1, note: 'plain text' },
        { id: 2, note: null },
      ]),
    ),
  ).toBe('| id | note |\n|---|---|\n| 1 | plain text |\n| 2 | NULL |\n\n2 rows');
});

it('escapes backslashes, line breaks and pipes so a cell stays one cell on one line', () => {
  expect(renderTable(result([{ id: 1, note: 'a|b\\c\r\nd\ne' }]))).toBe(
    '| id | note |\n|---|---|\n| 1 | a\\|b\\\\c\\nd\\ne |\n\n1 row',
  );
});
