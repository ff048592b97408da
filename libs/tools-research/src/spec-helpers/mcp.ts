import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type ClientCapabilities,
  type CreateMessageRequest,
  CreateMessageRequestSchema,
  type CreateMessageResultWithTools,
  ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { type ModelUsageMeter, noopLogger, type ThreadStore } from '@agent-mcp/context';
import { createStreamableHttpHandler, McpServer } from '@agent-mcp/mcp-core';

/** An MCP server behind Streamable HTTP on loopback, and the SDK's real client connected to it. */
export interface McpFixture {
  readonly server: McpServer;
  readonly client: Client;
  close(): Promise<void>;
}

/** What the server keeps and what the client offers. */
export interface McpFixtureOptions {
  /** The client declares the roots capability and answers `roots/list` with these. */
  readonly roots?: ReadonlyArray<{ uri: string; name?: string }>;
  readonly modelUsageMeter?: ModelUsageMeter;
  /** Where the server keeps conversation threads. */
  readonly threads?: ThreadStore;
  /**
   * The client declares sampling (with `tools` when `withTools`) and answers `sampling/createMessage` with this:
   * the client's own model, scripted.
   */
  readonly sampling?: {
    readonly withTools: boolean;
    answer(
      request: CreateMessageRequest['params'],
    ): CreateMessageResultWithTools | Promise<CreateMessageResultWithTools>;
  };
}

/** Serves `server` at http://127.0.0.1:<random>/mcp and connects the SDK `Client` over Streamable HTTP. */
export async function serveOverHttp(
  setup: (server: McpServer) => void,
  options: McpFixtureOptions = {},
): Promise<McpFixture> {
  const { roots, modelUsageMeter, threads, sampling } = options;
  const server = new McpServer({
    name: 'tools-research-spec',
    version: '1.0.0',
    logger: noopLogger,
    ...(modelUsageMeter ? { modelUsageMeter } : {}),
    ...(threads ? { threads } : {}),
  });
  setup(server);
  const handler = createStreamableHttpHandler(server);
  const http: Server = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/mcp') handler.handle(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const capabilities: ClientCapabilities = {
    ...(roots ? { roots: {} } : {}),
    ...(sampling ? { sampling: sampling.withTools ? { tools: {} } : {} } : {}),
  };
  const client = new Client({ name: 'spec-client', version: '1.0.0' }, { capabilities });
  if (roots) client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [...roots] }));
  if (sampling)
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => sampling.answer(request.params));
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  return {
    server,
    client,
    close: async () => {
      await client.close().catch(() => undefined);
      handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
