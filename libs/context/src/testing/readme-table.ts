import { readFileSync } from 'node:fs';

/**
 * The body rows of the first Markdown table after `headings` in the file at `path` (a library's README), each row
 * its cells trimmed; the header row and the `|---|` row are left out, and an escaped `\|` stays inside its cell.
 * Each heading is looked for after the one before it, so `('## Errors', '**Errors that stay local.**')` finds the
 * table under a paragraph of one section. For specs that hold a README's table and the code equal, both ways.
 */
export function readmeTable(path: string, ...headings: readonly string[]): string[][] {
  const text = readFileSync(path, 'utf8');
  let at = 0;
  for (const heading of headings) {
    at = text.indexOf(heading, at);
    if (at < 0) throw new Error(`${path} has no "${heading}" where a table was expected`);
  }
  const lines = text.slice(at).split('\n');
  const first = lines.findIndex((line) => line.trimStart().startsWith('|'));
  if (first < 0) throw new Error(`${path} has no table after "${headings.join('" > "')}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.trimStart().startsWith('|')) break;
    rows.push(
      line
        .trim()
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows.slice(2);
}

/** The text inside each `` `code` `` span of a table cell, in order: `` `A` / `B` `` gives `['A', 'B']`. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
}

/**
 * A table whose first column is one `` `CODE` `` per row, as code to the second cell: `| `A` | `AError` |` gives
 * `{ A: '`AError`' }`. A row without a code span in its first column is kept under `''`, so it fails an equality.
 */
export function codeTable(rows: readonly (readonly string[])[]): Record<string, string> {
  return Object.fromEntries(rows.map(([code, second]) => [codeSpans(code ?? '')[0] ?? '', second ?? '']));
}
