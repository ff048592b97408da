// The agent-runs suite (issue 8) over real stdio: the stdio app as a child process driven by the SDK's Client
// through StdioClientTransport. The scenarios and assertions live in @agent-mcp/app-suites.
import path from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describeAgentRuns } from '@agent-mcp/app-suites';

const MAIN = path.resolve(__dirname, '../dist/main.js');

describeAgentRuns({
  name: 'real stdio',
  clientName: 'desktop',
  start: async (env) => ({
    transport: new StdioClientTransport({
      command: process.execPath,
      args: [MAIN],
      env: { ...process.env, LOG_LEVEL: 'error', ...env } as Record<string, string>,
      stderr: 'pipe',
    }),
    // Closing the client ends the child process.
    stop: async () => undefined,
  }),
});
