// Proves the `N passed, N failed` line that `npm test` and `.ci/run` end with is the sum of the result files:
// every JSON result under the directory counts, an unreadable one counts as a failure, other JSON is not counted.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeBin, run, workspaceRoot } from './support/workspace';

const summarizer = join(workspaceRoot, 'tools', 'scripts', 'summarize-results.mjs');
let dir: string;

function write(relative: string, content: unknown): void {
  const file = join(dir, relative);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
}

async function summarize(...args: string[]): Promise<string[]> {
  const result = await run(nodeBin, [summarizer, '--dir', dir, ...args], { timeoutMs: 20_000 });
  expect(result.code).toBe(0);
  return result.stdout.trimEnd().split('\n');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agent-mcp-results-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('sums every result file, nested ones included, and ends with the total', async () => {
  write('jest/mcp-core.json', {
    suite: 'jest:mcp-core',
    passed: 40,
    failed: 1,
    skipped: 2,
    failures: ['a.spec.ts > breaks'],
  });
  write('jest/@agent-mcp/scoped.json', { suite: 'jest:scoped', passed: 3, failed: 0 });
  write('conformance.json', { suite: 'conformance', passed: 30, failed: 0, skipped: 2, failures: [] });
  write('missing/auth-test.json', { suite: 'jest:auth', passed: 0, failed: 1, failures: ['no results'] });
  const lines = await summarize();
  expect(lines.at(-1)).toBe('73 passed, 2 failed, 4 skipped');
  expect(lines).toContain('  - a.spec.ts > breaks');
});

it('prints only the total with --line-only, and leaves out skipped when there are none', async () => {
  write('jest/a.json', { suite: 'jest:a', passed: 5, failed: 0 });
  expect(await summarize('--line-only')).toEqual(['5 passed, 0 failed']);
});

it('counts an unreadable result file as a failure', async () => {
  write('jest/a.json', { suite: 'jest:a', passed: 5, failed: 0 });
  write('jest/broken.json', '{"suite": "jest:broken", "passed": 3,');
  expect(await summarize('--line-only')).toEqual(['5 passed, 1 failed']);
});

it('does not count JSON of another shape, and says so', async () => {
  write('jest/a.json', { suite: 'jest:a', passed: 5, failed: 0 });
  write('conformance/raw/checks.json', [{ name: 'x', status: 'SUCCESS' }]);
  const lines = await summarize();
  expect(lines.at(-1)).toBe('5 passed, 0 failed');
  expect(lines.some((line) => line.includes('not counted') && line.includes('checks.json'))).toBe(true);
});

it('reports an empty directory as nothing run, not as success of something', async () => {
  const lines = await summarize();
  expect(lines).toEqual([`No result files found in ${dir}.`, '0 passed, 0 failed']);
});
