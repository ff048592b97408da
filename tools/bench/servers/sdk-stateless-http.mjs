// The SDK's documented stateless pattern (`simpleStatelessStreamableHttp` in @modelcontextprotocol/sdk 1.x):
// a new McpServer and StreamableHTTPServerTransport per POST, `sessionIdGenerator: undefined`, here with
// `enableJsonResponse: true`. Mounted on plain node:http instead of the example's express app (express costs
// another ~150 us per request), with the body parsed up front as express.json() would, so the SDK is measured
// at its best.
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';

function getServer() {
  const server = new McpServer({ name: 'sdk-stateless-echo', version: '1.0.0' });
  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description: 'Returns the given message unchanged.',
      inputSchema: { message: z.string().max(10_000) },
      outputSchema: { message: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ message }) => ({ content: [{ type: 'text', text: message }], structuredContent: { message } }),
  );
  return server;
}

function fail(res, status, message) {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

const app = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  if (req.method !== 'POST' || !req.url?.startsWith('/mcp')) return fail(res, 405, 'Method not allowed.');
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    let parsed;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return fail(res, 400, 'Parse error');
    }
    const server = getServer();
    try {
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed);
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
    } catch {
      if (!res.headersSent) fail(res, 500, 'Internal server error');
    }
  });
});
app.listen(port, host, () => process.stdout.write(`listening ${app.address().port}\n`));
process.once('SIGTERM', () => process.exit(0));
