// Every test file gets a data home of its own: the embedded database (and anything else that keeps data under
// XDG_DATA_HOME) never lands in the developer's ~/.local/share, and no test sees what another one left there.
// Processes a test starts inherit it through the environment it passes them.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

process.env.XDG_DATA_HOME = mkdtempSync(path.join(tmpdir(), 'agent-mcp-test-data-'));
