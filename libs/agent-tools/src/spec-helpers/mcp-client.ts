import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientCapabilities, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { noopLogger } from '@agent-mcp/context';
import { createStreamableHttpHandler, McpServer, type McpServerOptions, serveStdio } from '@agent-mcp/mcp-core';

/** An SDK client transport over in-memory pipes, speaking newline-delimited JSON like stdio. */
class PipeClientTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly buffer = new ReadBuffer();

  constructor(
    private readonly toServer: PassThrough,
    private readonly fromServer: PassThrough,
  ) {}

  async start(): Promise<void> {
    this.fromServer.on('data', (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (let m = this.buffer.readMessage(); m; m = this.buffer.readMessage()) this.onmessage?.(m);
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.toServer.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.toServer.end();
    this.onclose?.();
  }
}

export function testServer(options: Partial<McpServerOptions> = {}): McpServer {
  return new McpServer({ name: 'agent-tools-spec', version: '1.0.0', logger: noopLogger, ...options });
}

export interface PipeClient {
  readonly client: Client;
  close(): Promise<void>;
}

/** The SDK's real Client connected to `server` over in-memory stdio pipes. */
export async function connectPipeClient(server: McpServer, capabilities: ClientCapabilities = {}): Promise<PipeClient> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  serveStdio(server, { stdin, stdout });
  const client = new Client({ name: 'spec-client', version: '1.0.0' }, { capabilities });
  await client.connect(new PipeClientTransport(stdin, stdout));
  return { client, close: () => client.close() };
}

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
