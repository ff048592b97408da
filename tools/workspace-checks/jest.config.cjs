// These checks spawn Nx, ESLint, npm and Node; each file bounds its own waits, and they run one at a time so
// they do not fight over the two cores with each other.
module.exports = require('../../jest.preset.cjs').projectConfig(__dirname, { testTimeout: 120_000, maxWorkers: 1 });
