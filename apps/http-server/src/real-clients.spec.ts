// The real-clients suite (issue 15 item 8) over Streamable HTTP: one HTTP app process on loopback, which every client
// reaches at its /mcp URL, 2026-07-28 and 2025-11-25 clients on the same endpoint. The scenarios and assertions live
// in @agent-mcp/app-suites.
import { describeRealClients, type RequestLogLine } from '@agent-mcp/app-suites';
import { startServerProcess } from './spec-helpers/server-process';

describeRealClients({
  name: 'Streamable HTTP',
  start: async (env) => {
    const server = await startServerProcess(env);
    return {
      target: { kind: 'http', url: `${server.base}/mcp` },
      requestLog: async () => server.logLines().filter((l) => l['msg'] === 'request') as unknown as RequestLogLine[],
      stop: () => server.kill(),
    };
  },
});
