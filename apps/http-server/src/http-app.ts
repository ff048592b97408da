import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hasTokenInQuery } from '@agent-mcp/auth';
import {
  createLimitedHttpServer,
  type HttpServerLimits,
  type McpServer,
  type StreamableHttpHandler,
} from '@agent-mcp/mcp-core';
import { type AuthStack } from '@agent-mcp/server-kit';

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  /** Path of the MCP endpoint. Default `/mcp`. */
  readonly mcpPath?: string;
  /** Authentication: serves the Protected Resource Metadata and refuses tokens in the query string. */
  readonly auth?: AuthStack;
  /** Slow-client timeouts and header and URL size limits; defaults from mcp-core. */
  readonly limits?: Partial<HttpServerLimits>;
  /** Prometheus metrics on this listener, at `path`. */
  readonly metrics?: { readonly path: string; readonly handle: (req: IncomingMessage, res: ServerResponse) => void };
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * The HTTP surface of the server: the MCP endpoint, liveness (`/healthz`: the process answers), readiness
 * (`/readyz`: it takes new work; 503 once shutdown has begun, so load balancers stop sending it traffic), and
 * with authentication the Protected Resource Metadata (RFC 9728) that MCP clients start authorization from.
 */
export function createHttpApp(server: McpServer, mcp: StreamableHttpHandler, options: HttpAppOptions = {}): Server {
  const mcpPath = options.mcpPath ?? '/mcp';
  const auth = options.auth?.enabled ? options.auth : undefined;
  const app = createLimitedHttpServer(options.limits ?? {}, (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    // Draining: no connection is kept alive for more work, so clients and the load balancer move elsewhere.
    if (!server.isAccepting) res.setHeader('connection', 'close');
    if (path === mcpPath) {
      // New work is refused in a way every client and balancer understands; running calls finish on their own.
      if (!server.isAccepting) {
        return reply(
          res,
          503,
          {
            jsonrpc: '2.0',
            id: null,
            error: { code: -32004, message: 'Server is shutting down; retry on another replica' },
          },
          {
            'retry-after': '1',
          },
        );
      }
      // RFC 6750 §2.3 and MCP: tokens travel only in the Authorization header; one in the URL ends up in logs.
      if (auth && hasTokenInQuery(url)) {
        return reply(
          res,
          401,
          { error: 'invalid_request', message: 'Send the token in the Authorization header, not the query string' },
          {
            'www-authenticate': auth.challenge('invalid_request'),
          },
        );
      }
      return mcp.handle(req, res);
    }
    if (path === '/healthz') return reply(res, 200, { status: 'ok' });
    if (options.metrics && path === options.metrics.path) return options.metrics.handle(req, res);
    if (path === '/readyz') {
      return server.isAccepting
        ? reply(res, 200, { status: 'ready', sessions: mcp.sessionCount })
        : reply(res, 503, { status: 'shutting_down' });
    }
    if (auth && req.method === 'GET' && auth.metadataPaths().includes(path)) {
      // Browser-based clients fetch this cross-origin; it is public by design.
      return reply(res, 200, auth.metadata(), { 'access-control-allow-origin': '*', 'cache-control': 'max-age=300' });
    }
    reply(res, 404, { error: 'not_found', message: `No route for ${path}; the MCP endpoint is ${mcpPath}` });
  });
  return app;
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
