import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { workspaceRoot } from './workspace';

/** A function whose body spans more lines than the limit. */
export interface LongFunction {
  /** `path:line` of its first line, path relative to the workspace root. */
  readonly at: string;
  /** Its name, or how it is bound (`const x = () => …`, `obj.method`), or `<anonymous>`. */
  readonly name: string;
  readonly lines: number;
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/**
 * Calls whose callback is a list of tests rather than a unit one reads: `describe(…)`, `it.each(…)(…)`, and their
 * `.skip`/`.only` forms. A spec's describe block may be long; a function it calls may not.
 */
function isTestBlockCallback(node: ts.Node, source: ts.SourceFile): boolean {
  if (!ts.isCallExpression(node.parent)) return false;
  let callee: ts.Expression = node.parent.expression;
  while (ts.isCallExpression(callee) || ts.isPropertyAccessExpression(callee) || ts.isParenthesizedExpression(callee))
    callee =
      ts.isCallExpression(callee) || ts.isParenthesizedExpression(callee) ? callee.expression : callee.expression;
  if (ts.isConditionalExpression(callee)) return true; // (CONDITION ? describe : describe.skip)(…)
  return ts.isIdentifier(callee) && /^(describe|it|test)$/.test(callee.getText(source));
}

function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(source);
  if (ts.isCallExpression(parent)) return `${parent.expression.getText(source).slice(0, 40)}(…)`;
  return '<anonymous>';
}

/** Every function in `file` (absolute) longer than `limit` lines, test-block callbacks aside. */
export function longFunctionsIn(file: string, limit: number): LongFunction[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body && !isTestBlockCallback(node, source)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      if (last - first + 1 > limit) {
        const at = `${relative(workspaceRoot, file)}:${first}`;
        found.push({ at, name: nameOf(node as ts.FunctionLikeDeclaration, source), lines: last - first + 1 });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The workspace's source files under `folders`, as git sees them (tracked, or new and not ignored). */
export function workspaceSources(folders: readonly string[]): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...folders], {
    cwd: workspaceRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return listed
    .split('\n')
    .filter((path) => SOURCE.test(path) && !path.endsWith('.d.ts'))
    .map((path) => join(workspaceRoot, path));
}
