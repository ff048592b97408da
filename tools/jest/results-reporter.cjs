// Writes each Jest run's real counts to test-results/jest/<nx project name>.json, so `.ci/run` and `npm test` can
// print one `N passed, N failed` line for the whole repository without scraping Jest's console output.
// The file is named after the Nx project because nx.json declares it as the test target's output
// (`{workspaceRoot}/test-results/jest/{projectName}.json`): a test run Nx restores from its cache restores it too.
const fs = require('node:fs');
const path = require('node:path');

const workspaceRoot = path.join(__dirname, '..', '..');

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The name Nx infers for the project at `rootDir`: project.json, then package.json's `nx.name`, then its `name`. */
function nxProjectName(rootDir) {
  const projectJson = readJson(path.join(rootDir, 'project.json'));
  if (projectJson && typeof projectJson.name === 'string') return projectJson.name;
  const packageJson = readJson(path.join(rootDir, 'package.json'));
  if (packageJson && packageJson.nx && typeof packageJson.nx.name === 'string') return packageJson.nx.name;
  if (packageJson && typeof packageJson.name === 'string') return packageJson.name;
  return undefined;
}

class ResultsReporter {
  constructor(globalConfig, options) {
    this.name = nxProjectName(globalConfig.rootDir) ?? options.name;
  }

  onRunComplete(_contexts, results) {
    const file = path.join(workspaceRoot, 'test-results', 'jest', `${this.name}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const failures = [];
    for (const testFile of results.testResults) {
      for (const t of testFile.testResults) {
        if (t.status === 'failed') failures.push(`${path.basename(testFile.testFilePath)} > ${t.fullName}`);
      }
      if (testFile.testExecError)
        failures.push(`${path.basename(testFile.testFilePath)}: ${testFile.testExecError.message}`);
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
    fs.writeFileSync(file, JSON.stringify(summary, null, 2));
  }
}

module.exports = ResultsReporter;
