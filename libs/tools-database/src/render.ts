import { type QueryResult } from './engine/types';

const MAX_CELL = 500;

// Any character that `cell` escapes; most cells have none, and one test is cheaper than three replaces.
const NEEDS_ESCAPE = /[\\\n|]/;

function cell(value: unknown): string {
  const text = value === null ? 'NULL' : typeof value === 'string' ? value : JSON.stringify(value);
  const flat = NEEDS_ESCAPE.test(text)
    ? text.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n').replace(/\|/g, '\\|')
    : text;
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL)}…` : flat;
}

/** A Markdown-style table of a result, with a line saying how many rows and whether more existed. */
export function renderTable(result: QueryResult): string {
  const names = result.columns.map((c) => c.name);
  const lines = [`| ${names.map(cell).join(' | ')} |`, `|${names.map(() => '---').join('|')}|`];
  for (const row of result.rows) lines.push(`| ${names.map((n) => cell(row[n])).join(' | ')} |`);
  const more = result.truncated ? ` (truncated by the ${result.truncatedBy ?? 'row'} cap: more rows exist)` : '';
  lines.push('', `${result.rowCount} row${result.rowCount === 1 ? '' : 's'}${more}`);
  return lines.join('\n');
}
