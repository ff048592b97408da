// MCP 2026-07-28 beside 2025-11-25 on one Streamable HTTP endpoint: a request carrying the `_meta` envelope is
// served statelessly (server/discover, lists and calls with resultType, ttlMs/cacheScope, serverInfo), its
// envelope and headers are checked with the revision's error codes and HTTP statuses, GET/DELETE answer 405,
// closing the response stream cancels the call, and a 2025-11-25 client still opens a session on the same URL.
import { z } from 'zod';
import { JsonRpcErrorCode } from '../../errors';
import { connectHttpClient, type HttpFixture, sleep, startHttp, testServer } from '../../spec-helpers/clients';
import { fetchModern, MODERN_VERSION, modernEnvelope, postModern } from '../../testing/modern-requests';
import { defineTool } from '../../tool';

const VERSION = MODERN_VERSION;
const ENVELOPE = modernEnvelope(
  {},
  { 'io.modelcontextprotocol/clientInfo': { name: 'modern-test', version: '1.0.0' } },
);

/** POSTs one modern request with the headers the revision requires (overridable); the answer keeps its id. */
async function modern(
  f: HttpFixture,
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const name = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
  const reply = await postModern(f.url, { method, params, meta: ENVELOPE, name, headers });
  expect(reply.body.id).toBe(reply.id);
  return reply;
}

describe('MCP 2026-07-28 on the Streamable HTTP endpoint', () => {
  let f: HttpFixture;
  const seen: { aborted?: number } = {};

  beforeAll(async () => {
    const server = testServer({ instructions: 'both eras' });
    for (const name of ['zeta', 'alpha']) {
      server.tools.register(
        defineTool({ name, description: `tool ${name}`, inputSchema: z.object({}), execute: () => name }),
      );
    }
    server.tools.register(
      defineTool({
        name: 'wait',
        description: 'runs until cancelled (at most 10 s)',
        inputSchema: z.object({}),
        execute: async (_args, ctx) => {
          const started = Date.now();
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 10_000);
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              seen.aborted = Date.now() - started;
              resolve();
            });
          });
          return 'done';
        },
      }),
    );
    server.tools.register(
      defineTool({
        name: 'chatty',
        description: 'logs and reports progress',
        inputSchema: z.object({}),
        execute: async (_args, ctx) => {
          await ctx.log('info', 'hello');
          return 'said';
        },
      }),
    );
    f = await startHttp(server);
  });
  afterAll(() => f.close());

  it('answers server/discover without initialize, with both revisions and the result fields 2026-07-28 requires', async () => {
    const { status, body, headers } = await modern(f, 'server/discover');
    expect(status).toBe(200);
    expect(headers.get('mcp-session-id')).toBeNull();
    expect(body.result).toMatchObject({
      supportedVersions: expect.arrayContaining(['2026-07-28', '2025-11-25']),
      capabilities: { tools: {}, prompts: {}, resources: {} },
      instructions: 'both eras',
      resultType: 'complete',
      ttlMs: 0,
      cacheScope: 'private',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'test-server', version: '1.0.0' } },
    });
    expect(body.result?.supportedVersions).toEqual(expect.not.arrayContaining(['2099-01-01']));
  });

  it('lists tools by name and calls one, each result with resultType', async () => {
    const list = await modern(f, 'tools/list');
    const names = (list.body.result?.tools as Array<{ name: string }>).map((t) => t.name);
    expect(names).toEqual(['alpha', 'chatty', 'wait', 'zeta']);
    expect(list.body.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    const call = await modern(f, 'tools/call', { name: 'alpha', arguments: {} });
    expect(call.status).toBe(200);
    expect(call.body.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'alpha' }] });
    expect(call.body.result).not.toHaveProperty('ttlMs');
  });

  it('refuses an envelope without its required keys with 400 and -32602', async () => {
    const id = 1000;
    const res = await fetch(f.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': VERSION,
        'mcp-method': 'server/discover',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'server/discover', params: {} }),
    });
    const body = (await res.json()) as { id: number; error: { code: number; message: string } };
    expect(res.status).toBe(400);
    expect(body).toMatchObject({ id, error: { code: JsonRpcErrorCode.InvalidParams } });
    expect(body.error.message).toContain('io.modelcontextprotocol/clientCapabilities');
  });

  it('answers an unsupported version with 400 and -32022 naming the supported ones', async () => {
    const meta = { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' };
    const { status, body } = await modern(
      f,
      'server/discover',
      { _meta: meta },
      { 'mcp-protocol-version': '2099-01-01' },
    );
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: JsonRpcErrorCode.UnsupportedProtocolVersion,
      data: { supported: expect.arrayContaining(['2026-07-28', '2025-11-25']), requested: '2099-01-01' },
    });
  });

  it('answers headers that disagree with the body with 400 and -32020', async () => {
    const version = await modern(f, 'tools/list', {}, { 'mcp-protocol-version': '2025-11-25' });
    expect([version.status, version.body.error?.code]).toEqual([400, JsonRpcErrorCode.HeaderMismatch]);
    const method = await modern(f, 'tools/list', {}, { 'mcp-method': 'prompts/list' });
    expect([method.status, method.body.error?.code]).toEqual([400, JsonRpcErrorCode.HeaderMismatch]);
    const name = await modern(f, 'tools/call', { name: 'alpha', arguments: {} }, { 'mcp-name': 'zeta' });
    expect([name.status, name.body.error?.code]).toEqual([400, JsonRpcErrorCode.HeaderMismatch]);
    const wrapped = await modern(
      f,
      'tools/call',
      { name: 'alpha', arguments: {} },
      { 'mcp-name': '=?base64?YWxwaGE=?=' },
    );
    expect(wrapped.status).toBe(200);
  });

  it('answers removed and unknown methods with 404 and -32601', async () => {
    for (const method of ['ping', 'initialize', 'logging/setLevel', 'resources/subscribe', 'no/such']) {
      const { status, body } = await modern(f, method);
      expect([method, status, body.error?.code]).toEqual([method, 404, JsonRpcErrorCode.MethodNotFound]);
    }
  });

  it('sends no log notification unless the request names a log level', async () => {
    const chatty = { method: 'tools/call', name: 'chatty', params: { name: 'chatty' } };
    const quiet = await fetchModern(f.url, 1, { ...chatty, meta: ENVELOPE });
    expect(quiet.headers.get('content-type')).toBe('application/json');
    expect(await quiet.text()).not.toContain('notifications/message');
    const meta = { ...ENVELOPE, 'io.modelcontextprotocol/logLevel': 'info' };
    const loud = await fetchModern(f.url, 2, { ...chatty, meta });
    expect(loud.headers.get('content-type')).toBe('text/event-stream');
    expect(loud.headers.get('x-accel-buffering')).toBe('no');
    expect(await loud.text()).toContain('notifications/message');
  });

  it('answers GET and DELETE from a modern client with 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(f.url, {
        method,
        headers: { accept: 'text/event-stream', 'mcp-protocol-version': VERSION },
      });
      expect([method, res.status, res.headers.get('allow')]).toEqual([method, 405, 'POST']);
    }
  });

  it('cancels a running call when the client closes its response stream, within a second', async () => {
    seen.aborted = undefined;
    const controller = new AbortController();
    const pending = fetchModern(f.url, 9, {
      method: 'tools/call',
      name: 'wait',
      params: { name: 'wait' },
      meta: ENVELOPE,
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await sleep(200);
    const closedAt = Date.now();
    controller.abort();
    await pending;
    while (seen.aborted === undefined && Date.now() - closedAt < 3000) await sleep(10);
    expect(seen.aborted).toBeDefined();
    expect(Date.now() - closedAt).toBeLessThan(1000);
  });

  it('still opens a 2025-11-25 session for a client that initializes, on the same endpoint', async () => {
    const { client, transport } = await connectHttpClient(f.url);
    try {
      expect(transport.sessionId).toEqual(expect.any(String));
      const result = await client.callTool({ name: 'alpha', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'alpha' }]);
      expect(result).not.toHaveProperty('resultType');
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['zeta', 'alpha', 'wait', 'chatty']);
    } finally {
      await client.close();
    }
  });

  it('over 2025-11-25 too, a client that hangs up on a call it cannot resume has the call cancelled', async () => {
    const { client, transport } = await connectHttpClient(f.url);
    try {
      seen.aborted = undefined;
      const controller = new AbortController();
      const pending = fetch(f.url, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          'mcp-session-id': transport.sessionId as string,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 77, method: 'tools/call', params: { name: 'wait', arguments: {} } }),
      }).catch((error: unknown) => error);
      await sleep(200);
      const closedAt = Date.now();
      controller.abort();
      await pending;
      while (seen.aborted === undefined && Date.now() - closedAt < 3000) await sleep(10);
      expect(seen.aborted).toBeDefined();
      expect(Date.now() - closedAt).toBeLessThan(1000);
    } finally {
      await client.close();
    }
  });
});
