// Standalone SSE streams (GET) are bounded per principal (429 + Retry-After) and in total (503 + Retry-After);
// refused clients do not disturb others, and a closed stream frees its slot.
import { type Principal } from '@agent-mcp/context';
import { AuthenticationError } from '../../errors';
import { createPipeline } from '../../pipeline';
import { type HttpFixture, sleep, startHttp, testServer } from '../../spec-helpers/clients';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function fixture(limits: { maxStreams: number; maxStreamsPerPrincipal: number }): Promise<HttpFixture> {
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
  return startHttp(server, limits);
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
    const res = await fetch(f.url, { method: 'POST', headers: { ...HEADERS, authorization: `Bearer ${who}` }, body: JSON.stringify(INIT) });
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
    expect(((await refused.res.json()) as { error: { message: string } }).error.message).toMatch(/at most 2 open streams per principal/);
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
