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
/**
 * TypeDoc builds one TypeScript program per lib: about 65 s at load 7 on the 2-core CI machine, past 120 s at load
 * 10-15. The bound is for a hung process, not a slow one.
 */
const TYPEDOC_BOUND_MS = 600_000;

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
    { timeoutMs: TYPEDOC_BOUND_MS },
  );
  try {
    reference = JSON.parse(readFileSync(join(outDir, 'api.json'), 'utf8')) as Reflection;
  } catch {
    reference = undefined;
  }
}, TYPEDOC_BOUND_MS + 30_000);

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
