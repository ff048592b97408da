import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { createStreamableHttpHandler, type McpServer } from '../index';

/** An `McpServer` answered over real Streamable HTTP in the test's own process. */
export interface HttpTestServer {
  /** Its endpoint, `http://127.0.0.1:<port>/mcp`. */
  readonly url: URL;
  /** Stops the handler and the listener, cutting open connections. */
  close(): Promise<void>;
}

/**
 * Serves `server` with the library's Streamable HTTP handler at `/mcp` on a free loopback port (other paths: 404),
 * for tests that need a real HTTP client (the SDK's `StreamableHTTPClientTransport`, `fetch`) without a process.
 */
export async function serveOverHttp(server: McpServer): Promise<HttpTestServer> {
  const handler = createStreamableHttpHandler(server);
  const http = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/mcp') handler.handle(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`),
    close: async () => {
      handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
