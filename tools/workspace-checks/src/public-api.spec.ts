// Holds each library's export list both ways, types included (issue 14 item 6): its `src/index.spec.ts` checks the
// values at run time and fails typecheck when a listed type is gone; this check fails when `src/index.ts` exports a
// value or a type the spec does not list. Both sides are read with the TypeScript parser.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportsOf, listedIn } from './support/public-exports';
import { workspaceRoot } from './support/workspace';

const libs = readdirSync(join(workspaceRoot, 'libs')).filter((lib) =>
  existsSync(join(workspaceRoot, 'libs', lib, 'src', 'index.ts')),
);

it('finds the libraries', () => {
  expect(libs).toEqual(expect.arrayContaining(['context', 'store', 'mcp-core', 'agent-core', 'tools-support']));
});

it.each(libs)('libs/%s: src/index.spec.ts lists every value and type src/index.ts exports, and no other', (lib) => {
  const src = join(workspaceRoot, 'libs', lib, 'src');
  expect(listedIn(join(src, 'index.spec.ts'))).toEqual(exportsOf(join(src, 'index.ts')));
});

describe('the readers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'public-api-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('tell values from types in an entry point', () => {
    const entry = write(
      'index.ts',
      [
        "export { type A, b, C } from './x';",
        "export type { D } from './y';",
        'export const VERSION = "1";',
        'export interface E {}',
        'export type F = string;',
        'export function g() {}',
        'export class H {}',
        "export * as ns from './z';",
      ].join('\n'),
    );
    expect(exportsOf(entry)).toEqual({
      values: ['C', 'H', 'VERSION', 'b', 'g', 'ns'],
      types: ['A', 'D', 'E', 'F'],
    });
    expect(() => exportsOf(write('star.ts', "export * from './x';"))).toThrow('"export *" hides what it exports');
  });

  it('read the two lists of an index.spec.ts', () => {
    const spec = write(
      'index.spec.ts',
      [
        "it('x', async () => { expect(Object.keys(await import('./index')).sort()).toEqual(['b', 'C']); });",
        "it('y', () => { expect(['other']).toEqual(['not', 'this']); });",
        "export type { D, A } from './index';",
        "export type { Z } from './elsewhere';",
      ].join('\n'),
    );
    expect(listedIn(spec)).toEqual({ values: ['C', 'b'], types: ['A', 'D'] });
    expect(() => listedIn(write('empty.spec.ts', 'export {};'))).toThrow('no "expect(Object.keys');
  });
});
