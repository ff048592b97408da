// The agent-runs suite (issue 8) over Streamable HTTP: the HTTP app as a child process on loopback, driven by the
// SDK's Client through StreamableHTTPClientTransport. The scenarios and assertions live in @agent-mcp/app-suites.
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describeAgentRuns } from '@agent-mcp/app-suites';
import { startServerProcess } from './spec-helpers/server-process';

describeAgentRuns({
  name: 'Streamable HTTP',
  clientName: 'remote',
  start: async (env) => {
    // The listening line, which gives the URL, is logged at info.
    const server = await startServerProcess({ LOG_LEVEL: 'info', ...env });
    const transport = new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`));
    return {
      transport,
      beforeClientClose: () => transport.terminateSession().catch(() => undefined),
      stop: () => server.kill(),
    };
  },
});
