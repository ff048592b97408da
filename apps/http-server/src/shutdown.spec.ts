// Graceful shutdown of a real server process: SIGTERM while an agent call runs (slow answer from the scripted
// model server) — readiness turns 503 at once, new requests get 503 with Retry-After, the standalone SSE stream
// ends with a final retry event, the running call completes with its result, and the process exits 0 in the grace.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createScriptedServer, type ScriptedServer, textTurn } from '@agent-mcp/agent-core/testing';
import { startServerProcess, until } from './spec-helpers/server-process';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe('graceful shutdown', () => {
  let scripted: ScriptedServer;
  beforeAll(async () => (scripted = await createScriptedServer({ apiKey: 'test-key' })));
  afterAll(() => scripted.close());

  it('lets a running call finish, refuses new work cleanly and exits 0 within the grace', async () => {
    const graceSeconds = 15;
    const server = await startServerProcess({
      SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
      OPENAI_BASE_URL: scripted.url,
      OPENAI_API_KEY: 'test-key',
      OPENAI_MODEL: 'scripted-model',
    });
    try {
      // A raw session with its standalone SSE stream open, to see how the stream ends.
      const init = await fetch(`${server.base}/mcp`, { method: 'POST', headers: HEADERS, body: JSON.stringify(INIT) });
      const session = init.headers.get('mcp-session-id') as string;
      await init.text();
      const sessionHeaders = { ...HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
      await fetch(`${server.base}/mcp`, {
        method: 'POST',
        headers: sessionHeaders,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      const stream = await fetch(`${server.base}/mcp`, {
        headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
      });
      expect(stream.status).toBe(200);
      const streamText = stream.text();

      scripted.enqueue(textTurn('The answer, slowly.', { delayMs: 2_000 }));
      const client = new Client({ name: 'slow', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
      const call = client.callTool({ name: 'database_query', arguments: { question: 'Take your time' } });
      // The first agent call opens the embedded databases first: 12.7 s seen at load average 20.
      await until(() => scripted.requests.length === 1, 45_000, 'the model request');

      const signalled = Date.now();
      server.child.kill('SIGTERM');
      await until(() => server.stderr().includes('"msg":"shutting down"'), 5_000, 'the shutdown to begin');

      const ready = await fetch(`${server.base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'shutting_down' });
      const refused = await fetch(`${server.base}/mcp`, {
        method: 'POST',
        headers: HEADERS,
        body: JSON.stringify(INIT),
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('connection')).toBe('close');
      expect(((await refused.json()) as { error: { code: number } }).error.code).toBe(-32004);

      expect(await streamText).toMatch(/retry: 1000\n\n$/);
      const result = await call;
      expect(result.isError).toBeFalsy();
      expect((result.structuredContent as { answer: string }).answer).toBe('The answer, slowly.');

      expect(await server.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(graceSeconds * 1000);
      const stopped = server.logLines().find((l) => l.msg === 'stopped');
      expect(stopped).toMatchObject({ signal: 'SIGTERM', abandoned: 0 });
    } finally {
      await server.kill();
    }
  }, 90_000);
});
