// These checks spawn Nx, ESLint, npm, TypeDoc and Node; each file bounds its own waits. One worker: they are
// heavy, and the module-boundary check plants files in other projects' sources, so its Nx target is also marked
// `parallelism: false` (package.json) to keep other tasks of the same Nx run from seeing the plants.
module.exports = require('../../jest.preset.cjs').projectConfig(__dirname, { testTimeout: 120_000, maxWorkers: 1 });
