// Reading and summing the result files every test stage leaves in test-results/: one shape for all of them,
// `{ suite, passed, failed, skipped?, failures? }`, so the final `N passed, N failed` line is computed, not scraped.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const resultsDir = join(workspaceRoot, 'test-results');

function isCount(value) {
  return Number.isInteger(value) && value >= 0;
}

function jsonFiles(dir) {
  if (!existsSync(dir)) return [];
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...jsonFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.json')) files.push(full);
  }
  return files.sort();
}

/**
 * Every result file under `dir`. A file that is not valid JSON counts as one failure (something meant to report
 * and broke); valid JSON of another shape (a tool's raw output kept beside ours) is listed in `ignored`.
 */
export function collectResults(dir = resultsDir) {
  const suites = [];
  const ignored = [];
  for (const file of jsonFiles(dir)) {
    const name = relative(dir, file);
    let data;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      suites.push({
        file: name,
        suite: name,
        passed: 0,
        failed: 1,
        skipped: 0,
        failures: [`unreadable result file: ${error.message}`],
      });
      continue;
    }
    if (!data || typeof data !== 'object' || !isCount(data.passed) || !isCount(data.failed)) {
      ignored.push(name);
      continue;
    }
    suites.push({
      file: name,
      suite: typeof data.suite === 'string' ? data.suite : name,
      passed: data.passed,
      failed: data.failed,
      skipped: isCount(data.skipped) ? data.skipped : 0,
      failures: Array.isArray(data.failures) ? data.failures.map(String) : [],
    });
  }
  const totals = suites.reduce(
    (sum, s) => ({ passed: sum.passed + s.passed, failed: sum.failed + s.failed, skipped: sum.skipped + s.skipped }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  return { suites, ignored, totals };
}

/** The one line CI ends with. */
export function summaryLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

/** The per-suite table, the failures and the ignored files, without the total line. */
export function reportLines({ suites, ignored }, dir = resultsDir) {
  const lines = [];
  if (suites.length === 0) lines.push(`No result files found in ${dir}.`);
  const width = Math.max(5, ...suites.map((s) => s.suite.length));
  for (const s of suites) {
    const mark = s.failed > 0 ? 'FAIL' : 'ok  ';
    lines.push(
      `${mark} ${s.suite.padEnd(width)} ${String(s.passed).padStart(5)} passed ${String(s.failed).padStart(4)} failed ${String(s.skipped).padStart(4)} skipped`,
    );
  }
  for (const s of suites.filter((x) => x.failures.length > 0)) {
    lines.push('', `Failures in ${s.suite}:`, ...s.failures.map((f) => `  - ${f}`));
  }
  if (ignored.length > 0) lines.push('', `(not result files, not counted: ${ignored.join(', ')})`);
  return lines;
}

/** Records a failure that produced no result file of its own (a crashed target, a missing report). */
export function writeResult(relativePath, result) {
  const file = join(resultsDir, relativePath);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ skipped: 0, ...result, finishedAt: new Date().toISOString() }, null, 2)}\n`);
}

export function readResult(relativePath) {
  try {
    const data = JSON.parse(readFileSync(join(resultsDir, relativePath), 'utf8'));
    return isCount(data?.passed) && isCount(data?.failed) ? data : undefined;
  } catch {
    return undefined;
  }
}
