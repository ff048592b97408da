// The SDK v2 entry for serving both revisions over HTTP: `createMcpHandler` from @modelcontextprotocol/server 2.x,
// whose factory builds an McpServer per request, serving the same `echo` tool as ours. JSON responses
// (`responseMode: 'json'`, as ours answer), 2025-11-25 requests served statelessly (its default). Mounted on plain
// node:http: `@modelcontextprotocol/node`'s `toNodeHandler` is not installed here, so the few lines it would take
// are below, with the body parsed up front and handed over as `parsedBody` (as express.json() would), so the SDK
// is measured at its best.
import { createServer } from 'node:http';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';

const handler = createMcpHandler(
  () => {
    const server = new McpServer({ name: 'sdk-v2-echo', version: '1.0.0' });
    server.registerTool(
      'echo',
      {
        title: 'Echo',
        description: 'Returns the given message unchanged.',
        inputSchema: z.object({ message: z.string().max(10_000) }),
        outputSchema: z.object({ message: z.string() }),
        annotations: { readOnlyHint: true },
      },
      async ({ message }) => ({ content: [{ type: 'text', text: message }], structuredContent: { message } }),
    );
    return server;
  },
  { responseMode: 'json' },
);

function fail(res, status, message) {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

const app = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let parsedBody;
    try {
      parsedBody = text ? JSON.parse(text) : undefined;
    } catch {
      return fail(res, 400, 'Parse error');
    }
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      const request = new Request(`http://${req.headers.host ?? host}${req.url}`, {
        method: req.method,
        headers,
        ...(text && req.method !== 'GET' && req.method !== 'HEAD' ? { body: text } : {}),
      });
      const response = await handler.fetch(request, { parsedBody });
      const out = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(out);
    } catch {
      if (!res.headersSent) fail(res, 500, 'Internal server error');
    }
  });
});
app.listen(port, host, () => process.stdout.write(`listening ${app.address().port}\n`));
