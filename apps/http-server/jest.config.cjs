const path = require('node:path');
const { projectConfig } = require('../../jest.preset.cjs');

// The server kit validates TRUST_PROXY with @agent-mcp/auth, which loads `jose` (ES modules only): transpile it for Jest.
module.exports = projectConfig(__dirname, {
  transform: {
    '^.+\\.[cm]?ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.spec.json'), diagnostics: false }],
    '^.+/node_modules/jose/.+\\.js$': [
      'ts-jest',
      { tsconfig: path.join(__dirname, 'tsconfig.spec.json'), diagnostics: false },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
});
