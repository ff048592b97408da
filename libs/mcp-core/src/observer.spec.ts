// The observer seam of McpServer: one report per finished request, with method, tool, principal, outcome and
// duration, over a real SDK client; and the request log line built from it.
import { z } from 'zod';
import { createJsonLogger } from '@agent-mcp/context';
import { defineTool } from './tool';
import { ToolError, RateLimitError } from './errors';
import { createPipeline } from './pipeline';
import { type RequestFinishedInfo, createRequestLogObserver, combineObservers } from './observer';
import { Client as ClientV2, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { connectHttpClient, connectPipeClient, startHttp, testServer } from './spec-helpers/clients';

const ok = defineTool({
  name: 'ok_tool',
  description: 'succeeds',
  inputSchema: z.object({ n: z.number() }),
  execute: ({ n }) => `n=${n}`,
});
const failing = defineTool({
  name: 'failing_tool',
  description: 'fails',
  inputSchema: z.object({}),
  execute: () => {
    throw new ToolError('broken');
  },
});

describe('McpServer observer', () => {
  it('reports each request once with its method, tool, principal and outcome', async () => {
    const seen: RequestFinishedInfo[] = [];
    const server = testServer({
      observer: { onRequestFinished: (info) => seen.push(info) },
      pipeline: createPipeline({
        rateLimit: {
          limiter: (r) =>
            r.target?.kind === 'tool' && r.target.name === 'limited'
              ? { allowed: false, retryAfterSeconds: 3 }
              : { allowed: true },
        },
      }),
    });
    server.tools.register(ok);
    server.tools.register(failing);
    const { client, close } = await connectPipeClient(server);
    await client.listTools();
    await client.callTool({ name: 'ok_tool', arguments: { n: 1 } });
    await client.callTool({ name: 'failing_tool', arguments: {} });
    await expect(client.callTool({ name: 'limited', arguments: {} })).rejects.toThrow();
    await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow();
    await close();

    const byTool = (tool: string | undefined, method = 'tools/call') =>
      seen.find((s) => s.method === method && s.tool === tool);
    expect(seen.map((s) => s.method)).toEqual([
      'initialize',
      'tools/list',
      'tools/call',
      'tools/call',
      'tools/call',
      'tools/call',
    ]);
    expect(byTool(undefined, 'tools/list')).toMatchObject({
      outcome: 'ok',
      transport: 'stdio',
      principal: { id: 'anonymous' },
    });
    expect(byTool('ok_tool')).toMatchObject({ outcome: 'ok', errorCode: undefined });
    expect(byTool('failing_tool')).toMatchObject({ outcome: 'tool_error' });
    expect(seen[4]).toMatchObject({ tool: '(unknown)', outcome: 'rate_limit', errorCode: new RateLimitError(3).code });
    expect(seen[5]).toMatchObject({ tool: '(unknown)', outcome: 'not_found' });
    for (const s of seen) expect(s.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('never lets a throwing observer change an answer', async () => {
    const server = testServer({
      observer: combineObservers({
        onRequestFinished: () => {
          throw new Error('boom');
        },
      }),
    });
    server.tools.register(ok);
    const { client, close } = await connectPipeClient(server);
    expect((await client.callTool({ name: 'ok_tool', arguments: { n: 2 } })).content).toEqual([
      { type: 'text', text: 'n=2' },
    ]);
    await close();
  });

  it('writes one log line per request with id, principal, method, tool, outcome and duration', async () => {
    const lines: string[] = [];
    const server = testServer({
      observer: createRequestLogObserver(createJsonLogger({ write: (l) => lines.push(l) })),
    });
    server.tools.register(ok);
    const { client, close } = await connectPipeClient(server);
    await client.callTool({ name: 'ok_tool', arguments: { n: 3 } });
    await close();
    const call = lines.map((l) => JSON.parse(l)).find((l) => l.method === 'tools/call');
    expect(call).toMatchObject({
      level: 'info',
      msg: 'request',
      principal: 'anonymous',
      tool: 'ok_tool',
      outcome: 'ok',
      transport: 'stdio',
    });
    expect(typeof call.requestId).toBe('number');
    expect(typeof call.durationMs).toBe('number');
  });

  it('names the protocol revision and the client each request was served for', async () => {
    const lines: string[] = [];
    const server = testServer({
      observer: createRequestLogObserver(createJsonLogger({ write: (l) => lines.push(l) })),
    });
    server.tools.register(ok);
    const f = await startHttp(server);
    try {
      const legacy = await connectHttpClient(f.url);
      await legacy.client.callTool({ name: 'ok_tool', arguments: { n: 1 } });
      await legacy.client.close();
      const modern = new ClientV2(
        { name: 'modern-client', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      await modern.connect(new StreamableHTTPClientTransport(f.url));
      await modern.callTool({ name: 'ok_tool', arguments: { n: 2 } });
      await modern.close();
    } finally {
      await f.close();
    }
    const calls = lines.map((l) => JSON.parse(l)).filter((l) => l.method === 'tools/call');
    expect(calls.map((c) => [c.protocolVersion, c.client])).toEqual([
      ['2025-11-25', 'spec-client'],
      ['2026-07-28', 'modern-client'],
    ]);
  });
});
