const { projectConfig } = require('../../jest.preset.cjs');

// The server kit validates TRUST_PROXY with @agent-mcp/auth, which loads `jose` (ES modules only): transpiled for Jest.
module.exports = projectConfig(__dirname, { esmPackages: ['jose'] });
