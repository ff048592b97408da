// MCP authorization: every HTTP request is authenticated on its own Authorization header, never on the one
// that opened the session; a session presented by another principal is 404, and GET streams and DELETE pass
// the pipeline too, so a session id alone grants nothing.
import { type Principal } from '@agent-mcp/context';
import { echoTool } from '../../diagnostics';
import { AuthenticationError } from '../../errors';
import { createPipeline } from '../../pipeline';
import { type HttpFixture, startHttp, testServer } from '../../spec-helpers/clients';

const PRINCIPALS: Record<string, Principal> = {
  'token-alice': { id: 'alice', scopes: [], via: 'oauth' },
  'token-bob': { id: 'bob', scopes: [], via: 'oauth' },
  'token-alice-other-tenant': { id: 'alice', tenantId: 'globex', scopes: [], via: 'oauth' },
};
const CHALLENGE = 'Bearer resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource/mcp"';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('per-request authentication over Streamable HTTP', () => {
  let f: HttpFixture;
  beforeAll(async () => {
    const server = testServer({
      pipeline: createPipeline({
        authenticate: {
          authenticator: (request) => {
            const header = request.transport.headers?.authorization;
            const principal = typeof header === 'string' ? PRINCIPALS[header.replace(/^Bearer /, '')] : undefined;
            if (!principal)
              throw new AuthenticationError('Authentication required', {
                httpHeaders: { 'www-authenticate': CHALLENGE },
              });
            return principal;
          },
        },
      }),
    });
    server.tools.register(echoTool);
    f = await startHttp(server);
  });
  afterAll(() => f.close());

  const post = (body: unknown, token: string | undefined, session?: string) =>
    fetch(f.url, {
      method: 'POST',
      headers: {
        ...HEADERS,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(session ? { 'mcp-session-id': session } : {}),
      },
      body: JSON.stringify(body),
    });

  const open = async (token: string) => {
    const res = await post(INIT, token);
    expect(res.status).toBe(200);
    await res.json();
    return res.headers.get('mcp-session-id') as string;
  };

  it('answers 401 with the challenge when a request of the session has no token', async () => {
    const session = await open('token-alice');
    const res = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, undefined, session);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
  });

  it('names no session in the 401 to an initialize without a token, so the client retries initialize clean', async () => {
    const before = f.handler.sessionCount;
    const res = await post(INIT, undefined);
    expect(res.status).toBe(401);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(f.handler.sessionCount).toBe(before);
  });

  it('answers 404 when another principal presents the session id', async () => {
    const session = await open('token-alice');
    const res = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, 'token-bob', session);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^Session not found/);
  });

  it('tells apart the same id in another tenant', async () => {
    const session = await open('token-alice');
    const res = await post({ jsonrpc: '2.0', id: 2, method: 'ping' }, 'token-alice-other-tenant', session);
    expect(res.status).toBe(404);
  });

  it('serves the principal that opened the session', async () => {
    const session = await open('token-alice');
    const res = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, 'token-alice', session);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name)).toEqual([
      'echo',
    ]);
  });

  it('refuses a notification from another principal', async () => {
    const session = await open('token-alice');
    const res = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, 'token-bob', session);
    expect(res.status).toBe(404);
  });

  it("opens the GET stream only for the session's principal", async () => {
    const session = await open('token-alice');
    const get = (token?: string) =>
      fetch(f.url, {
        headers: {
          accept: 'text/event-stream',
          'mcp-session-id': session,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
    const anonymous = await get();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(CHALLENGE);
    expect((await get('token-bob')).status).toBe(404);
    const own = await get('token-alice');
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('text/event-stream');
    await own.body?.cancel();
  });

  it("lets only the session's principal delete it", async () => {
    const session = await open('token-alice');
    const del = (token?: string) =>
      fetch(f.url, {
        method: 'DELETE',
        headers: { 'mcp-session-id': session, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    expect((await del()).status).toBe(401);
    expect((await del('token-bob')).status).toBe(404);
    expect(f.handler.sessionCount).toBeGreaterThan(0);
    expect((await del('token-alice')).status).toBe(200);
    expect((await post({ jsonrpc: '2.0', id: 3, method: 'ping' }, 'token-alice', session)).status).toBe(404);
  });
});
