const path = require('node:path');
const { projectConfig } = require('../../jest.preset.cjs');

// `jose` ships only ES modules; Jest runs tests as CommonJS, so its files are transpiled like our own.
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
