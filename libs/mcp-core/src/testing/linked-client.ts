import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientCapabilities, Implementation, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { noopLogger } from '@agent-mcp/context';
import { McpServer, type McpServerOptions, serveStdio, type StdioConnection } from '../index';

/** An SDK client transport over in-memory pipes, speaking newline-delimited JSON as stdio does. */
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
      try {
        for (let m = this.buffer.readMessage(); m; m = this.buffer.readMessage()) this.onmessage?.(m);
      } catch (error) {
        this.onerror?.(error as Error);
      }
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

/** Options of {@link connectLinkedClient}. */
export interface LinkedClientOptions {
  /** What the client declares (`sampling`, `elicitation`, `roots`...); register its handlers on `client`. */
  readonly capabilities?: ClientCapabilities;
  /** The client's name and version. Default `spec-client` 1.0.0. */
  readonly clientInfo?: Implementation;
}

/** The SDK's client linked to an {@link McpServer} in memory. */
export interface LinkedClient {
  /** The official SDK `Client`, initialized. */
  readonly client: Client;
  /** The server side of the link: its session, and `close()` to cut it. */
  readonly connection: StdioConnection;
  /** What the client writes to the server (the server's stdin). */
  readonly stdin: PassThrough;
  /** What the server writes to the client (the server's stdout). */
  readonly stdout: PassThrough;
  /** Closes the client (ending the server's input). */
  close(): Promise<void>;
}

/**
 * Connects the official SDK `Client` to `server` over in-memory pipes, through the same stdio transport a desktop
 * client reaches (newline-delimited JSON, one session): a real client and a real server, no process, no socket.
 *
 * @example
 * const server = createTestServer();
 * server.tools.register(myTool);
 * const { client, close } = await connectLinkedClient(server);
 * expect(await client.callTool({ name: 'my_tool', arguments: {} })).toMatchObject({ isError: undefined });
 * await close();
 */
export async function connectLinkedClient(server: McpServer, options: LinkedClientOptions = {}): Promise<LinkedClient> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const connection = serveStdio(server, { stdin, stdout });
  const client = new Client(options.clientInfo ?? { name: 'spec-client', version: '1.0.0' }, {
    capabilities: options.capabilities ?? {},
  });
  await client.connect(new PipeClientTransport(stdin, stdout));
  return { client, connection, stdin, stdout, close: () => client.close() };
}

/** An {@link McpServer} for tests: named `test-server`, logging nothing, `options` on top. */
export function createTestServer(options: Partial<McpServerOptions> = {}): McpServer {
  return new McpServer({ name: 'test-server', version: '1.0.0', logger: noopLogger, ...options });
}
