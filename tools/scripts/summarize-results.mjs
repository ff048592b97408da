#!/usr/bin/env node
// Prints the per-suite table and failures found in test-results/, then the total `N passed, N failed` line last.
// `--line-only` prints just that line (`.ci/run` uses it so the line is the very last of its output);
// `--dir <path>` reads another results directory.
import { resolve } from 'node:path';
import { collectResults, reportLines, resultsDir, summaryLine } from './results.mjs';

const dirIndex = process.argv.indexOf('--dir');
const dir = dirIndex > 0 && process.argv[dirIndex + 1] ? resolve(process.argv[dirIndex + 1]) : resultsDir;
const collected = collectResults(dir);
if (!process.argv.includes('--line-only')) {
  for (const line of reportLines(collected, dir)) console.log(line);
}
console.log(summaryLine(collected.totals));
