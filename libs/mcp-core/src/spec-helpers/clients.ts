import { type AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { type McpServer, type McpServerOptions } from '../server';
import { connectLinkedClient, createTestServer, type LinkedClient } from '../testing';
import {
  createStreamableHttpHandler,
  type StreamableHttpHandler,
  type StreamableHttpOptions,
} from '../transports/http/streamable-http';

/** An {@link McpServer} for specs; the published {@link createTestServer}. */
export function testServer(options: Partial<McpServerOptions> = {}): McpServer {
  return createTestServer(options);
}

/** The SDK's real Client linked to a server in memory: the published fixture, under the name these specs use. */
export type PipeClient = LinkedClient;

/** The SDK's real Client connected to `server` over in-memory stdio pipes ({@link connectLinkedClient}). */
export function connectPipeClient(server: McpServer, capabilities: ClientCapabilities = {}): Promise<PipeClient> {
  return connectLinkedClient(server, { capabilities });
}

export interface HttpFixture {
  readonly url: URL;
  readonly handler: StreamableHttpHandler;
  readonly httpServer: Server;
  close(): Promise<void>;
}

/** `server` behind Streamable HTTP at http://127.0.0.1:<random>/mcp. */
export async function startHttp(server: McpServer, options: StreamableHttpOptions = {}): Promise<HttpFixture> {
  const handler = createStreamableHttpHandler(server, options);
  const httpServer = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/mcp') handler.handle(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    handler,
    httpServer,
    close: async () => {
      handler.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/** The SDK's real Client over Streamable HTTP. */
export async function connectHttpClient(
  url: URL,
  capabilities: ClientCapabilities = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(url);
  const client = new Client({ name: 'spec-client', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  return { client, transport };
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Looks every 5 ms until `check` holds, for at most `timeoutMs`; resolves with whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() >= deadline) return false;
    await sleep(5);
  }
  return true;
}
