// The HTTP app as a remote client sees it: a real process, the SDK client over Streamable HTTP, health,
// readiness, refusal to listen publicly without auth, and graceful shutdown.
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MAIN, type ServerProcess, startServerProcess } from './spec-helpers/server-process';

describe('http-server', () => {
  let server: ServerProcess;
  beforeAll(async () => (server = await startServerProcess({ DIAGNOSTIC_TOOLS: 'true' })));
  afterAll(async () => {
    server.child.kill('SIGKILL');
    await server.exited;
  });

  it('answers liveness and readiness', async () => {
    expect(await (await fetch(`${server.base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.base}/readyz`)).json()).toMatchObject({ status: 'ready' });
    expect((await fetch(`${server.base}/nope`)).status).toBe(404);
  });

  it('serves the SDK client over Streamable HTTP at /mcp', async () => {
    const client = new Client({ name: 'remote', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`));
    await client.connect(transport);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect((await client.callTool({ name: 'echo', arguments: { message: 'remote' } })).structuredContent).toEqual({
      message: 'remote',
    });
    await transport.terminateSession();
    await client.close();
  });

  it('offers MCP tasks, the thread tools and resumable streams', async () => {
    const client = new Client({ name: 'remote', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`));
    await client.connect(transport);
    try {
      expect(client.getServerCapabilities()?.tasks).toEqual({
        list: {},
        cancel: {},
        requests: { tools: { call: {} } },
      });
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['thread_list', 'thread_get', 'thread_fork', 'thread_delete']),
      );
      expect((await client.callTool({ name: 'thread_list', arguments: {} })).structuredContent).toEqual({
        threads: [],
      });
    } finally {
      await transport.terminateSession();
      await client.close();
    }
    // A raw session: its standalone stream starts with a priming event, an id to resume from and no data.
    const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(`${server.base}/mcp`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    const sessionId = init.headers.get('mcp-session-id') as string;
    await init.text();
    const stream = new AbortController();
    const get = await fetch(`${server.base}/mcp`, {
      signal: stream.signal,
      headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId },
    });
    const reader = (get.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    stream.abort();
    expect(first.value).toMatch(new RegExp(`^id: ${sessionId}~standalone:0\\nretry: \\d+\\ndata: \\n\\n`));
  });
});

describe('http-server lifecycle', () => {
  it('refuses to listen on a public address without authentication', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, HOST: '0.0.0.0', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('refusing to listen on "0.0.0.0" without authentication');
  });

  it('turns unready and exits 0 on SIGTERM', async () => {
    const running = await startServerProcess({ SHUTDOWN_GRACE_SECONDS: '5' });
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.stderr()).toContain('"msg":"stopped"');
  });
});
