// Shared Jest setup for every project: tests run on the TypeScript sources (the `@agent-mcp/source` export
// condition), transpiled by ts-jest without type checking (the `typecheck` target does that once, faster).
const path = require('node:path');

const workspaceRoot = __dirname;

/**
 * @param {string} projectDir absolute path of the project
 * @param {{ esmPackages?: string[] } & Record<string, unknown>} overrides Jest options; `esmPackages` names
 *   dependencies that ship only ES modules (e.g. `jose`), which Jest's CommonJS runtime needs transpiled like our own.
 */
function projectConfig(projectDir, overrides = {}) {
  const { esmPackages = [], ...rest } = overrides;
  const name = path.relative(workspaceRoot, projectDir).replace(/[\\/]/g, '-');
  const tsJest = ['ts-jest', { tsconfig: path.join(projectDir, 'tsconfig.spec.json'), diagnostics: false }];
  return {
    displayName: path.basename(projectDir),
    rootDir: projectDir,
    testEnvironment: 'node',
    testEnvironmentOptions: {
      customExportConditions: ['@agent-mcp/source', 'node', 'require', 'default'],
    },
    transform: {
      '^.+\\.[cm]?ts$': tsJest,
      ...Object.fromEntries(esmPackages.map((pkg) => [`^.+/node_modules/${pkg}/.+\\.js$`, tsJest])),
    },
    ...(esmPackages.length > 0 ? { transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`] } : {}),
    moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/', '/out-tsc/'],
    setupFiles: [path.join(workspaceRoot, 'tools/jest/isolated-data-home.cjs')],
    // Tests bound their own waits; this only stops a hung test on a loaded 2-core CI machine.
    testTimeout: 30_000,
    reporters: ['default', [path.join(workspaceRoot, 'tools/jest/results-reporter.cjs'), { name }]],
    ...rest,
  };
}

module.exports = { projectConfig, workspaceRoot };
