#!/usr/bin/env node
// Prints the per-suite table and failures found in test-results/, then the total `N passed, N failed` line last.
// `--line-only` prints just that line (`.ci/run` uses it so the line is the very last of its output).
import { collectResults, reportLines, resultsDir, summaryLine } from './results.mjs';

const collected = collectResults(resultsDir);
if (!process.argv.includes('--line-only')) {
  for (const line of reportLines(collected)) console.log(line);
}
console.log(summaryLine(collected.totals));
