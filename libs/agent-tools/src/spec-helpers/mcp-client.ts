import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { createStreamableHttpHandler, type McpServer } from '@agent-mcp/mcp-core';

export interface HttpFixture {
  readonly url: URL;
  close(): Promise<void>;
}

/** `server` behind Streamable HTTP at http://127.0.0.1:<random>/mcp. */
export async function startHttp(server: McpServer): Promise<HttpFixture> {
  const handler = createStreamableHttpHandler(server);
  const httpServer = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/mcp') handler.handle(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    close: async () => {
      handler.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
