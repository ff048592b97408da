import { readFileSync } from 'node:fs';
import ts from 'typescript';

/** What a module exports, read from its syntax: the names that exist at run time apart from the type-only ones. */
export interface ExportNames {
  /** Values (classes, functions, constants, enums), sorted. */
  readonly values: readonly string[];
  /** Names that exist only as types (interfaces, type aliases, `export { type X }`), sorted. */
  readonly types: readonly string[];
}

const EXPORTED = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function sorted(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

/**
 * The names `file` (a library's `src/index.ts`) exports. Syntax is enough because the workspace compiles with
 * `isolatedModules`, which makes a re-exported type say `type`; `export *` is refused, since it would hide the list.
 */
export function exportsOf(file: string): ExportNames {
  const values: string[] = [];
  const types: string[] = [];
  for (const node of parse(file).statements) {
    if (ts.isExportDeclaration(node)) {
      if (!node.exportClause) throw new Error(`${file}: "export *" hides what it exports; name each export`);
      if (ts.isNamespaceExport(node.exportClause)) values.push(node.exportClause.name.text);
      else
        for (const element of node.exportClause.elements)
          (node.isTypeOnly || element.isTypeOnly ? types : values).push(element.name.text);
    } else if (ts.isExportAssignment(node)) {
      values.push('default');
    } else if (EXPORTED(node)) {
      if (ts.isVariableStatement(node))
        for (const d of node.declarationList.declarations) values.push(d.name.getText());
      else if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) types.push(node.name.text);
      else if (
        (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node)) &&
        node.name
      )
        values.push(node.name.text);
    }
  }
  return { values: sorted(values), types: sorted(types) };
}

/**
 * The export list a library's `index.spec.ts` keeps: the string array its runtime check compares
 * `Object.keys(await import('./index'))` with, and the names of its `export type { ... } from './index'`.
 */
export function listedIn(specFile: string): ExportNames {
  const source = parse(specFile);
  let values: string[] | undefined;
  const types: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      !values &&
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'toEqual' &&
      node.expression.expression.getText(source).includes("import('./index')")
    ) {
      const [list] = node.arguments;
      if (list && ts.isArrayLiteralExpression(list))
        values = list.elements.filter(ts.isStringLiteral).map((element) => element.text);
    }
    if (
      ts.isExportDeclaration(node) &&
      node.isTypeOnly &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      node.moduleSpecifier.text === './index' &&
      node.exportClause &&
      ts.isNamedExports(node.exportClause)
    )
      types.push(...node.exportClause.elements.map((element) => element.name.text));
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (!values) throw new Error(`${specFile}: no "expect(Object.keys(await import('./index')) ...).toEqual([...])"`);
  return { values: sorted(values), types: sorted(types) };
}
