// MCP 2026-07-28 beside 2025-11-25 in one stdio process: requests carrying the `_meta` envelope are served
// without initialize (server/discover, lists, calls with resultType), notifications/cancelled stops a modern
// call, and a client that initializes on the same process gets a 2025-11-25 session.
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { JsonRpcErrorCode } from '../errors';
import { sleep, testServer } from '../spec-helpers/clients';
import { defineTool } from '../tool';
import { serveStdio } from './stdio';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

function harness() {
  const server = testServer();
  const seen: { aborted?: boolean } = {};
  server.tools.register(
    defineTool({ name: 'hi', description: 'says hi', inputSchema: z.object({}), execute: () => 'hi' }),
  );
  server.tools.register(
    defineTool({
      name: 'wait',
      description: 'waits until cancelled (at most 5 s)',
      inputSchema: z.object({}),
      execute: async (_args, ctx) => {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            seen.aborted = true;
            resolve();
          });
        });
        return 'done';
      },
    }),
  );
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const out: Array<{ id?: unknown; result?: Record<string, unknown>; error?: { code: number } }> = [];
  let buffer = '';
  stdout.on('data', (c: Buffer) => {
    buffer += c.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      out.push(JSON.parse(buffer.slice(0, nl)));
      buffer = buffer.slice(nl + 1);
    }
  });
  const connection = serveStdio(server, { stdin, stdout, drainTimeoutMs: 2000 });
  const send = (message: Record<string, unknown>) => stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  const answer = async (id: number) => {
    for (let i = 0; i < 200; i++) {
      const found = out.find((m) => m.id === id);
      if (found) return found;
      await sleep(10);
    }
    throw new Error(`no answer to ${id}`);
  };
  return { send, answer, out, seen, close: () => connection.close() };
}

describe('MCP 2026-07-28 over stdio', () => {
  it('serves discover, lists and calls without initialize, then a legacy initialize on the same process', async () => {
    const h = harness();
    try {
      h.send({ id: 1, method: 'server/discover', params: { _meta: ENVELOPE } });
      expect((await h.answer(1)).result).toMatchObject({
        supportedVersions: expect.arrayContaining(['2026-07-28', '2025-11-25']),
        resultType: 'complete',
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'test-server' } },
      });
      h.send({ id: 2, method: 'tools/call', params: { name: 'hi', arguments: {}, _meta: ENVELOPE } });
      expect((await h.answer(2)).result).toMatchObject({
        resultType: 'complete',
        content: [{ type: 'text', text: 'hi' }],
      });
      h.send({ id: 3, method: 'ping', params: { _meta: ENVELOPE } });
      expect((await h.answer(3)).error?.code).toBe(JsonRpcErrorCode.MethodNotFound);
      h.send({
        id: 4,
        method: 'tools/list',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
      });
      expect((await h.answer(4)).error?.code).toBe(JsonRpcErrorCode.InvalidParams);
      h.send({
        id: 5,
        method: 'tools/list',
        params: { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
      });
      expect((await h.answer(5)).error?.code).toBe(JsonRpcErrorCode.UnsupportedProtocolVersion);

      h.send({
        id: 6,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } },
      });
      expect((await h.answer(6)).result).toMatchObject({
        protocolVersion: '2025-11-25',
        serverInfo: { name: 'test-server' },
      });
      h.send({ id: 7, method: 'ping' });
      expect((await h.answer(7)).result).toEqual({});
      h.send({ id: 8, method: 'tools/call', params: { name: 'hi', arguments: {} } });
      expect((await h.answer(8)).result).not.toHaveProperty('resultType');
    } finally {
      h.close();
    }
  });

  it('stops a modern call on notifications/cancelled, with no response', async () => {
    const h = harness();
    try {
      h.send({ id: 10, method: 'tools/call', params: { name: 'wait', arguments: {}, _meta: ENVELOPE } });
      await sleep(100);
      h.send({ method: 'notifications/cancelled', params: { requestId: 10, reason: 'stop' } });
      for (let i = 0; i < 100 && !h.seen.aborted; i++) await sleep(10);
      expect(h.seen.aborted).toBe(true);
      await sleep(100);
      expect(h.out.find((m) => m.id === 10)).toBeUndefined();
    } finally {
      h.close();
    }
  });
});
