// Reading the suite's results from its output directory (`-o dir`): one folder per scenario run,
// `server-<scenario>-<ISO timestamp>/checks.json`, an array of checks with a `status` each.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

/** The checks of every scenario the suite wrote to `dir`, by scenario name. */
export function readScenarioChecks(dir) {
  const byScenario = new Map();
  if (!existsSync(dir)) return byScenario;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const match = entry.isDirectory() && RESULT_DIR.exec(entry.name);
    if (!match) continue;
    const file = join(dir, entry.name, 'checks.json');
    let checks;
    try {
      checks = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      checks = [
        { id: match[1], status: 'FAILURE', description: 'unreadable checks.json', errorMessage: error.message },
      ];
    }
    byScenario.set(match[1], Array.isArray(checks) ? checks : []);
  }
  return byScenario;
}

/** Counts of each check status. */
export function countStatuses(checks) {
  const counts = { SUCCESS: 0, FAILURE: 0, WARNING: 0, INFO: 0, SKIPPED: 0 };
  for (const check of checks) counts[check.status] = (counts[check.status] ?? 0) + 1;
  return counts;
}

/**
 * The verdict on one scenario. It passes when at least one of its checks succeeded and none failed or
 * warned: a scenario that verified nothing (no result, or only INFO checks) is not a pass, and a warning is
 * held against it as the suite's own client-side summary does.
 */
export function scenarioVerdict(checks) {
  if (!checks) return { passed: false, reason: 'the suite wrote no result for it' };
  const counts = countStatuses(checks);
  const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
  if (bad.length > 0) {
    const first = bad[0];
    return { passed: false, counts, reason: `${first.status} ${first.id}: ${first.errorMessage ?? first.description}` };
  }
  if (counts.SUCCESS === 0) return { passed: false, counts, reason: 'no check succeeded' };
  return { passed: true, counts };
}
