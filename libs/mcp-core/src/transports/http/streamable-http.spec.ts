// Streamable HTTP (MCP 2025-11-25 transport): sessions, SSE upgrade, status codes of every refusal, stateless mode.
import { z } from 'zod';
import { defineTool } from '../../tool';
import { connectHttpClient, type HttpFixture, sleep, startHttp, testServer } from '../../spec-helpers/clients';
import { echoTool } from '../../diagnostics';
import { type StreamableHttpOptions } from './streamable-http';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function fixture(options: StreamableHttpOptions = {}): Promise<HttpFixture> {
  const server = testServer();
  server.tools.register(echoTool);
  server.tools.register(
    defineTool({
      name: 'progress',
      description: 'Reports progress, then answers.',
      inputSchema: z.object({}),
      execute: async (_p, ctx) => {
        await ctx.reportProgress({ progress: 1, total: 2 });
        return 'done';
      },
    }),
  );
  return startHttp(server, options);
}

async function post(f: HttpFixture, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(f.url, {
    method: 'POST',
    headers: { ...HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function openSession(f: HttpFixture): Promise<string> {
  const res = await post(f, INIT);
  expect(res.status).toBe(200);
  const id = res.headers.get('mcp-session-id');
  expect(id).toBeTruthy();
  await res.json();
  return id as string;
}

describe('Streamable HTTP with the SDK client', () => {
  let f: HttpFixture;
  beforeAll(async () => (f = await fixture()));
  afterAll(() => f.close());

  it('initializes a session, lists and calls tools', async () => {
    const { client, transport } = await connectHttpClient(f.url);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo', 'progress']);
    expect((await client.callTool({ name: 'echo', arguments: { message: 'hi' } })).structuredContent).toEqual({
      message: 'hi',
    });
    await transport.terminateSession();
    await client.close();
  });

  it('streams progress over SSE and then the result', async () => {
    const { client } = await connectHttpClient(f.url);
    const progress: unknown[] = [];
    const result = await client.callTool({ name: 'progress', arguments: {} }, undefined, {
      onprogress: (p) => progress.push(p),
    });
    expect(progress).toEqual([{ progress: 1, total: 2 }]);
    expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
    await client.close();
  });
});

describe('Streamable HTTP refusals', () => {
  let f: HttpFixture;
  beforeAll(async () => (f = await fixture({ maxBodyBytes: 64 * 1024 })));
  afterAll(() => f.close());

  it('answers a quick request with plain JSON', async () => {
    const id = await openSession(f);
    const res = await post(f, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': id });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 2, result: {} });
  });

  it('requires a session id after initialize (400) and refuses unknown ones (404)', async () => {
    expect((await post(f, { jsonrpc: '2.0', id: 2, method: 'ping' })).status).toBe(400);
    const res = await post(f, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': 'nope' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: -32001 } });
  });

  it('ends a session on DELETE, after which it is unknown', async () => {
    const id = await openSession(f);
    expect((await fetch(f.url, { method: 'DELETE', headers: { 'mcp-session-id': id } })).status).toBe(200);
    expect((await post(f, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': id })).status).toBe(404);
  });

  it('acknowledges a notification with 202 and no body', async () => {
    const id = await openSession(f);
    const res = await post(f, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': id });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
  });

  it('refuses a foreign Host or Origin with 403 (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(f.url, { method: 'POST', headers: { ...HEADERS, host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify(INIT));
    });
    expect(status).toBe(403);
    expect((await post(f, INIT, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(f, INIT, { origin: 'http://localhost:5173' })).status).toBe(200);
  });

  it('refuses a wrong Content-Type (415), Accept (406) and protocol version (400)', async () => {
    expect((await post(f, INIT, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(f, INIT, { accept: 'text/html' })).status).toBe(406);
    expect((await post(f, INIT, { 'mcp-protocol-version': '1999-01-01' })).status).toBe(400);
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await post(f, { ...INIT, params: { ...INIT.params, padding: 'x'.repeat(100 * 1024) } });
    expect(res.status).toBe(413);
  });

  it('answers malformed JSON, invalid UTF-8, batches and deep nesting with JSON-RPC errors and keeps serving', async () => {
    const parse = await post(f, '{"jsonrpc":');
    expect(parse.status).toBe(400);
    expect(await parse.json()).toMatchObject({ id: null, error: { code: -32700 } });
    const utf8 = await fetch(f.url, { method: 'POST', headers: HEADERS, body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    expect(await utf8.json()).toMatchObject({ error: { code: -32700 } });
    const batch = await post(f, [INIT]);
    expect(batch.status).toBe(400);
    expect(await batch.json()).toMatchObject({ error: { code: -32600, message: expect.stringContaining('batch') } });
    const id = await openSession(f);
    const deep = `{"jsonrpc":"2.0","id":3,"method":"ping","params":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const nested = await post(f, deep, { 'mcp-session-id': id });
    expect(await nested.json()).toMatchObject({ error: { code: -32600, message: expect.stringContaining('nested') } });
    expect((await post(f, { jsonrpc: '2.0', id: 4, method: 'ping' }, { 'mcp-session-id': id })).status).toBe(200);
  });

  it('answers an unknown method with -32601', async () => {
    const id = await openSession(f);
    expect(
      await (await post(f, { jsonrpc: '2.0', id: 5, method: 'no/such' }, { 'mcp-session-id': id })).json(),
    ).toMatchObject({
      id: 5,
      error: { code: -32601 },
    });
  });

  it('opens one standalone GET stream per session', async () => {
    const id = await openSession(f);
    const controller = new AbortController();
    const first = await fetch(f.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': id },
      signal: controller.signal,
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/event-stream');
    expect((await fetch(f.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': id } })).status).toBe(409);
    expect(f.handler.streamCount).toBe(1);
    controller.abort();
    await sleep(50);
    expect(f.handler.streamCount).toBe(0);
  });
});

describe('session bounds', () => {
  it('evicts the least recently used idle session when full', async () => {
    const f = await fixture({ maxSessions: 2 });
    try {
      const a = await openSession(f);
      const b = await openSession(f);
      await post(f, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': a });
      await openSession(f);
      expect(f.handler.sessionCount).toBe(2);
      expect((await post(f, { jsonrpc: '2.0', id: 3, method: 'ping' }, { 'mcp-session-id': b })).status).toBe(404);
      expect((await post(f, { jsonrpc: '2.0', id: 3, method: 'ping' }, { 'mcp-session-id': a })).status).toBe(200);
    } finally {
      await f.close();
    }
  });
});

describe('stateless mode', () => {
  it('serves requests without sessions and refuses GET', async () => {
    const f = await fixture({ mode: 'stateless' });
    try {
      const init = await post(f, INIT);
      expect(init.status).toBe(200);
      expect(init.headers.get('mcp-session-id')).toBeNull();
      const call = await post(f, {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'echo', arguments: { message: 'x' } },
      });
      expect(await call.json()).toMatchObject({ result: { structuredContent: { message: 'x' } } });
      expect((await fetch(f.url, { headers: { accept: 'text/event-stream' } })).status).toBe(405);
      expect(f.handler.sessionCount).toBe(0);
    } finally {
      await f.close();
    }
  });
});
