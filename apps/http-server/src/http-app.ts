import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type McpServer, type StreamableHttpHandler } from '@agent-mcp/mcp-core';

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  /** Path of the MCP endpoint. Default `/mcp`. */
  readonly mcpPath?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * The HTTP surface of the server: the MCP endpoint, liveness (`/healthz`: the process answers) and readiness
 * (`/readyz`: it takes new work; 503 once shutdown has begun, so load balancers stop sending it traffic).
 */
export function createHttpApp(server: McpServer, mcp: StreamableHttpHandler, options: HttpAppOptions = {}): Server {
  const mcpPath = options.mcpPath ?? '/mcp';
  const app = createServer({ keepAliveTimeout: 65_000, headersTimeout: 30_000, requestTimeout: 0 }, (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === mcpPath) return mcp.handle(req, res);
    if (path === '/healthz') return reply(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      return server.isAccepting
        ? reply(res, 200, { status: 'ready', sessions: mcp.sessionCount })
        : reply(res, 503, { status: 'shutting_down' });
    }
    reply(res, 404, { error: 'not_found', message: `No route for ${path}; the MCP endpoint is ${mcpPath}` });
  });
  return app;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
