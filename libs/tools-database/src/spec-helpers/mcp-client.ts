import { PassThrough } from 'node:stream';
import { noopLogger } from '@agent-mcp/context';
import { McpServer, type McpServerOptions, serveStdio, type StdioConnection } from '@agent-mcp/mcp-core';

/** A JSON-RPC response as it came over the wire. */
export interface RpcResponse {
  readonly id: number;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: unknown };
}

/**
 * A minimal MCP client speaking newline-delimited JSON-RPC over in-memory stdio pipes to a real
 * {@link McpServer}: what a desktop client sends, without the SDK (this layer may not import it).
 */
export interface PipeClient {
  request(method: string, params?: Record<string, unknown>): Promise<RpcResponse>;
  /** Sends a request and returns its id without waiting, for cancellation tests. */
  send(method: string, params?: Record<string, unknown>): { id: number; response: Promise<RpcResponse> };
  notify(method: string, params?: Record<string, unknown>): void;
  callTool(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Every line the server wrote. */
  readonly lines: string[];
  close(): Promise<void>;
}

export function testServer(options: Partial<McpServerOptions> = {}): McpServer {
  return new McpServer({ name: 'tools-database-spec', version: '1.0.0', logger: noopLogger, ...options });
}

export async function connectPipeClient(server: McpServer): Promise<PipeClient> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const connection: StdioConnection = serveStdio(server, { stdin, stdout });
  const waiting = new Map<number, (r: RpcResponse) => void>();
  const lines: string[] = [];
  let buffer = '';
  stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (!line.trim()) continue;
      lines.push(line);
      const message = JSON.parse(line) as RpcResponse & { method?: string };
      if (message.method === undefined && typeof message.id === 'number') waiting.get(message.id)?.(message);
    }
  });
  let nextId = 1;
  const write = (message: Record<string, unknown>) =>
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  const send = (method: string, params?: Record<string, unknown>) => {
    const id = nextId++;
    const response = new Promise<RpcResponse>((resolve) => waiting.set(id, resolve));
    write({ id, method, ...(params ? { params } : {}) });
    return { id, response };
  };
  const client: PipeClient = {
    lines,
    send,
    request: (method, params) => send(method, params).response,
    notify: (method, params) => void write({ method, ...(params ? { params } : {}) }),
    async callTool(name, args) {
      const r = await send('tools/call', { name, arguments: args }).response;
      if (r.error) throw new Error(`tools/call failed: ${r.error.message}`);
      return r.result as Record<string, unknown>;
    },
    async close() {
      connection.close();
      stdin.end();
    },
  };
  const init = await client.request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'spec', version: '1' },
  });
  if (init.error) throw new Error(init.error.message);
  client.notify('notifications/initialized');
  return client;
}

/** The text of a tool result's first content block. */
export function textOf(result: Record<string, unknown>): string {
  return ((result['content'] as Array<{ text?: string }>)[0]?.text ?? '') as string;
}
