// Standalone SSE streams (GET) are bounded per principal (429 + Retry-After) and in total (503 + Retry-After);
// refused clients do not disturb others, and a closed stream frees its slot.
import { z } from 'zod';
import { type Principal } from '@agent-mcp/context';
import { AuthenticationError } from '../../errors';
import { createPipeline } from '../../pipeline';
import { type HttpFixture, sleep, startHttp, testServer } from '../../spec-helpers/clients';
import { defineTool } from '../../tool';
import { InMemoryEventStore } from './event-store';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function fixture(limits: {
  maxStreams: number;
  maxStreamsPerPrincipal: number;
  eventStore?: InMemoryEventStore;
}): Promise<HttpFixture> {
  const server = testServer({
    pipeline: createPipeline({
      authenticate: {
        authenticator: (request): Principal => {
          const header = request.transport.headers?.authorization;
          if (typeof header !== 'string') throw new AuthenticationError();
          return { id: header.replace(/^Bearer /, ''), scopes: [], via: 'oauth' };
        },
      },
    }),
  });
  // Runs until the client cancels or 5 s pass: long enough for its stream to be resumed while it runs.
  server.tools.register(
    defineTool({
      name: 'wait',
      description: 'waits',
      inputSchema: z.object({}),
      execute: async (_args, ctx) => {
        for (let i = 0; i < 100 && !ctx.signal.aborted; i++) await sleep(50);
        return 'waited';
      },
    }),
  );
  return startHttp(server, { ...limits, resumeAfterMs: 20, retryMs: 10 });
}

describe('SSE stream limits', () => {
  let f: HttpFixture;
  const opened: AbortController[] = [];
  beforeEach(async () => (f = await fixture({ maxStreams: 3, maxStreamsPerPrincipal: 2 })));
  afterEach(async () => {
    for (const c of opened.splice(0)) c.abort();
    await f.close();
  });

  const session = async (who: string) => {
    const res = await fetch(f.url, {
      method: 'POST',
      headers: { ...HEADERS, authorization: `Bearer ${who}` },
      body: JSON.stringify(INIT),
    });
    expect(res.status).toBe(200);
    await res.json();
    return res.headers.get('mcp-session-id') as string;
  };
  const stream = async (who: string) => {
    const controller = new AbortController();
    opened.push(controller);
    const res = await fetch(f.url, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${who}`, 'mcp-session-id': await session(who) },
      signal: controller.signal,
    });
    return { res, close: () => controller.abort() };
  };

  it('refuses the third stream of one principal with 429 while another principal still connects', async () => {
    expect([(await stream('alice')).res.status, (await stream('alice')).res.status]).toEqual([200, 200]);
    const refused = await stream('alice');
    expect(refused.res.status).toBe(429);
    expect(refused.res.headers.get('retry-after')).toBe('10');
    expect(((await refused.res.json()) as { error: { message: string } }).error.message).toMatch(
      /at most 2 open streams per principal/,
    );
    expect((await stream('bob')).res.status).toBe(200);
    expect(f.handler.streamCount).toBe(3);
  });

  it('refuses a stream with 503 once the server holds its total, whoever asks', async () => {
    for (const who of ['alice', 'bob', 'carol']) expect((await stream(who)).res.status).toBe(200);
    const refused = await stream('dave');
    expect(refused.res.status).toBe(503);
    expect(refused.res.headers.get('retry-after')).toBe('10');
  });

  it('gives the slot of a closed stream back to its principal', async () => {
    const first = await stream('alice');
    await stream('alice');
    expect((await stream('alice')).res.status).toBe(429);
    first.close();
    for (let i = 0; i < 50 && f.handler.streamCount > 1; i++) await sleep(20);
    expect((await stream('alice')).res.status).toBe(200);
  });
});

describe('SSE stream limits on resumed request streams', () => {
  it("counts a GET that resumes a running request's stream against the principal's limit", async () => {
    const f = await fixture({ maxStreams: 10, maxStreamsPerPrincipal: 1, eventStore: new InMemoryEventStore() });
    const aborts: AbortController[] = [];
    try {
      const auth = { authorization: 'Bearer alice' };
      const init = await fetch(f.url, { method: 'POST', headers: { ...HEADERS, ...auth }, body: JSON.stringify(INIT) });
      await init.json();
      const session = init.headers.get('mcp-session-id') as string;
      const post = new AbortController();
      aborts.push(post);
      const running = await fetch(f.url, {
        method: 'POST',
        signal: post.signal,
        headers: { ...HEADERS, ...auth, 'mcp-session-id': session },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'wait', arguments: {} } }),
      });
      expect(running.headers.get('content-type')).toBe('text/event-stream');
      const reader = (running.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!/^id: (.+)$/m.test(text)) text += (await reader.read()).value ?? '';
      const lastEventId = (/^id: (.+)$/m.exec(text) as RegExpExecArray)[1];

      const resume = () => {
        const controller = new AbortController();
        aborts.push(controller);
        return fetch(f.url, {
          headers: { accept: 'text/event-stream', ...auth, 'mcp-session-id': session, 'last-event-id': lastEventId },
          signal: controller.signal,
        });
      };
      expect((await resume()).status).toBe(200);
      const refused = await resume();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('10');
    } finally {
      for (const c of aborts) c.abort();
      await f.close();
    }
  });
});
