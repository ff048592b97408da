// Writes each Jest run's real counts to test-results/jest/<project>.json, so `.ci/run` and `npm test` can
// print one `N passed, N failed` line for the whole repository without scraping Jest's console output.
const fs = require('node:fs');
const path = require('node:path');

class ResultsReporter {
  constructor(_globalConfig, options) {
    this.name = options.name;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(__dirname, '..', '..', 'test-results', 'jest');
    fs.mkdirSync(dir, { recursive: true });
    const failures = [];
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status === 'failed') failures.push(`${path.basename(file.testFilePath)} > ${t.fullName}`);
      }
      if (file.testExecError) failures.push(`${path.basename(file.testFilePath)}: ${file.testExecError.message}`);
    }
    const summary = {
      suite: `jest:${this.name}`,
      passed: results.numPassedTests,
      // A file that fails to load runs no test but must still count as a failure.
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
      failures,
      finishedAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(dir, `${this.name}.json`), JSON.stringify(summary, null, 2));
  }
}

module.exports = ResultsReporter;
