const { projectConfig } = require('../../jest.preset.cjs');

// `jose` ships only ES modules; Jest runs tests as CommonJS, so its files are transpiled like our own.
module.exports = projectConfig(__dirname, { esmPackages: ['jose'] });
