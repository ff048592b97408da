// Proves the API reference builds from the doc comments (issue 3, item 8): TypeDoc, with the repo's typedoc.json,
// converts every lib's src/index.ts without errors and the reference holds each lib with its exports.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeBin, run, workspacePackages, workspaceRoot, type RunResult } from './support/workspace';

interface Reflection {
  readonly name: string;
  readonly children?: readonly Reflection[];
}

const libs = workspacePackages('libs').filter((lib) => !lib.manifest.private);
let outDir: string;
let result: RunResult;
let reference: Reflection | undefined;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'agent-mcp-typedoc-'));
  // Rendered into a temporary directory so the check never touches docs/api.
  result = await run(
    nodeBin,
    [
      join(workspaceRoot, 'node_modules', 'typedoc', 'bin', 'typedoc'),
      '--out',
      join(outDir, 'html'),
      '--json',
      join(outDir, 'api.json'),
    ],
    { timeoutMs: 120_000 },
  );
  try {
    reference = JSON.parse(readFileSync(join(outDir, 'api.json'), 'utf8')) as Reflection;
  } catch {
    reference = undefined;
  }
}, 150_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

it('typedoc succeeds with no errors', () => {
  expect(result.output.split('\n').filter((line) => /\[error\]|error TS\d+/.test(line))).toEqual([]);
  expect(result.code).toBe(0);
});

it('the reference holds every lib, each with its exports', () => {
  const modules = new Map((reference?.children ?? []).map((child) => [child.name, child.children?.length ?? 0]));
  expect([...modules.keys()].sort()).toEqual(libs.map((lib) => lib.manifest.name).sort());
  expect([...modules.entries()].filter(([, count]) => count === 0).map(([name]) => name)).toEqual([]);
});
