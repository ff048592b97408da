// Sessions shared by replicas (no sticky sessions): two Streamable HTTP handlers on real loopback HTTP share a
// SessionStore and a SessionBus, and the SDK's real Client sends each request to the other replica in turn.
// A session opened on one is served by the other, with the principal checked on every request; a
// cancellation reaching one stops the call running on the other; a client's answer to a server request finds
// the replica that asked; list_changed reaches the GET stream on whichever replica holds it; DELETE ends the
// session everywhere.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { type Principal } from '@agent-mcp/context';
import { z } from 'zod';
import { AuthenticationError } from '../../errors';
import { createPipeline } from '../../pipeline';
import { type McpServer } from '../../server';
import { InMemorySessionHub } from '../../session-bus';
import { InMemorySessionStore, type SessionStore } from '../../session-store';
import { type HttpFixture, sleep, startHttp, testServer } from '../../spec-helpers/clients';
import { defineTool } from '../../tool';

jest.setTimeout(20_000);

const PRINCIPALS: Record<string, Principal> = {
  alice: { id: 'alice', scopes: ['*'], via: 'api_key' },
  bob: { id: 'bob', scopes: ['*'], via: 'api_key' },
};
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface Replica {
  readonly name: string;
  readonly server: McpServer;
  readonly http: HttpFixture;
  readonly seen: { cancelledAfterMs?: number };
}

async function startReplica(name: string, store: SessionStore, hub: InMemorySessionHub): Promise<Replica> {
  const seen: { cancelledAfterMs?: number } = {};
  const server = testServer({
    pipeline: createPipeline({
      authenticate: {
        authenticator: (request) => {
          const header = request.transport.headers?.authorization;
          const principal = typeof header === 'string' ? PRINCIPALS[header.replace(/^Bearer /, '')] : undefined;
          if (!principal) throw new AuthenticationError('Authentication required');
          return principal;
        },
      },
    }),
  });
  server.tools.register(
    defineTool({ name: 'where', description: 'names the replica', inputSchema: z.object({}), execute: () => name }),
  );
  server.tools.register(
    defineTool({
      name: 'wait',
      description: 'runs until cancelled (at most 10 s)',
      inputSchema: z.object({}),
      async execute(_args, context) {
        const started = Date.now();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 10_000);
          context.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        if (context.signal.aborted) seen.cancelledAfterMs = Date.now() - started;
        return `${name}: waited`;
      },
    }),
  );
  server.tools.register(
    defineTool({
      name: 'ask',
      description: 'asks the user through elicitation',
      inputSchema: z.object({}),
      async execute(_args, context) {
        const answer = await context.client.elicit({
          message: 'Your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
        });
        return `${name} heard ${JSON.stringify(answer.content)}`;
      },
    }),
  );
  const http = await startHttp(server, { sessionStore: store, sessionBus: hub.connect(), resumeAfterMs: 100_000 });
  return { name, server, http, seen };
}

/**
 * The SDK's Client whose HTTP requests go to each replica in turn (what a round-robin balancer does), except
 * those `route` sends somewhere on purpose (by the JSON-RPC message they carry).
 */
async function roundRobinClient(
  replicas: readonly Replica[],
  route: (body: string) => Replica | undefined = () => undefined,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport; sent: string[] }> {
  let next = 0;
  const sent: string[] = [];
  const transport = new StreamableHTTPClientTransport(replicas[0].http.url, {
    requestInit: { headers: { authorization: 'Bearer alice' } },
    fetch: (_input, init) => {
      const replica = route(typeof init?.body === 'string' ? init.body : '') ?? replicas[next++ % replicas.length];
      sent.push(`${init?.method ?? 'GET'} ${replica.name}`);
      return fetch(replica.http.url, init);
    },
  });
  const client = new Client({ name: 'round-robin', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  await client.connect(transport);
  return { client, transport, sent };
}

describe('sessions shared by two replicas (in-memory store and bus)', () => {
  let a: Replica;
  let b: Replica;
  const clients: Client[] = [];
  const store = new InMemorySessionStore();
  const hub = new InMemorySessionHub();

  beforeAll(async () => {
    a = await startReplica('a', store, hub);
    b = await startReplica('b', store, hub);
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await a.http.close();
    await b.http.close();
  });

  it('serves a session opened on one replica from the other', async () => {
    const { client, sent } = await roundRobinClient([a, b]);
    clients.push(client);
    const answers = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const result = await client.callTool({ name: 'where', arguments: {} });
      answers.add((result.content as Array<{ text: string }>)[0].text);
    }
    expect(answers).toEqual(new Set(['a', 'b']));
    expect(sent[0]).toBe('POST a'); // initialize
    expect(a.http.handler.sessionCount).toBeGreaterThanOrEqual(1);
    expect(b.http.handler.sessionCount).toBeGreaterThanOrEqual(1);
  });

  it('answers 404 on every replica for a session no replica knows', async () => {
    for (const replica of [a, b]) {
      const res = await fetch(replica.http.url, {
        method: 'POST',
        headers: { ...HEADERS, authorization: 'Bearer alice', 'mcp-session-id': 'no-such-session' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      expect(res.status).toBe(404);
    }
  });

  it('answers 404 to another principal presenting the session id at the replica that did not open it', async () => {
    const { client, transport } = await roundRobinClient([a]);
    clients.push(client);
    const res = await fetch(b.http.url, {
      method: 'POST',
      headers: { ...HEADERS, authorization: 'Bearer bob', 'mcp-session-id': transport.sessionId as string },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    // The owner is still served there.
    const own = await fetch(b.http.url, {
      method: 'POST',
      headers: { ...HEADERS, authorization: 'Bearer alice', 'mcp-session-id': transport.sessionId as string },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(own.status).toBe(200);
  });

  it('stops a call running on one replica when the cancellation reaches the other', async () => {
    a.seen.cancelledAfterMs = undefined;
    b.seen.cancelledAfterMs = undefined;
    // Opened on B; the call goes to A (which has not seen the session yet), the cancellation to B.
    const { client, sent } = await roundRobinClient([b, a], (body) =>
      body.includes('"tools/call"') ? a : body.includes('notifications/cancelled') ? b : undefined,
    );
    clients.push(client);
    const controller = new AbortController();
    const call = client.callTool({ name: 'wait', arguments: {} }, undefined, { signal: controller.signal });
    await sleep(300);
    const started = Date.now();
    controller.abort('user gave up');
    await expect(call).rejects.toThrow();
    const deadline = started + 1000;
    while (a.seen.cancelledAfterMs === undefined && Date.now() < deadline) await sleep(10);
    expect(a.seen.cancelledAfterMs).toBeDefined();
    expect(sent).toContain('POST b');
  });

  it('opens a session once on a replica that several requests reach at the same time', async () => {
    const { transport } = await roundRobinClient([a]);
    const sessionId = transport.sessionId as string;
    // A store with a network's latency, so that the four requests all wait for the record at once.
    const distant: SessionStore = {
      get: async (id) => (await sleep(50), store.get(id)),
      save: (id, record) => store.save(id, record),
      touch: (id) => store.touch(id),
      delete: (id) => store.delete(id),
    };
    const fresh = await startReplica('c', distant, hub);
    try {
      const post = (id: number) =>
        fetch(fresh.http.url, {
          method: 'POST',
          headers: { ...HEADERS, authorization: 'Bearer alice', 'mcp-session-id': sessionId },
          body: JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }),
        });
      const answers = await Promise.all([post(1), post(2), post(3), post(4)]);
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(fresh.http.handler.sessionCount).toBe(1);
      expect(fresh.server.sessionCount).toBe(1);
    } finally {
      await fresh.http.close();
    }
  });

  it('delivers the client’s answer to a server request to the replica that asked', async () => {
    // The call goes to A, the client's answer (a JSON-RPC response: no method) to B.
    const isAnswer = (body: string) => body.includes('"result"') && !body.includes('"method"');
    const { client, sent } = await roundRobinClient([a, b], (body) =>
      body.includes('"tools/call"') ? a : isAnswer(body) ? b : undefined,
    );
    clients.push(client);
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
    const before = sent.length;
    const result = await client.callTool({ name: 'ask', arguments: {} });
    expect((result.content as Array<{ text: string }>)[0].text).toBe('a heard {"name":"Ada"}');
    expect(sent.slice(before)).toEqual(['POST a', 'POST b']);
  });

  it('passes list_changed to the GET stream on the other replica', async () => {
    const { client, transport } = await roundRobinClient([a, b]);
    clients.push(client);
    const changed = new Promise<void>((resolve) =>
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    const sessionId = transport.sessionId as string;
    // Wait for the SDK's GET stream to open, wherever it landed.
    const deadline = Date.now() + 5000;
    const holder = () => [a, b].find((r) => r.http.handler.streamCount > 0);
    while (!holder() && Date.now() < deadline) await sleep(20);
    const streamOn = holder() as Replica;
    const other = streamOn === a ? b : a;
    // The other replica holds the session too (it served a request), but no stream of it.
    await fetch(other.http.url, {
      method: 'POST',
      headers: { ...HEADERS, authorization: 'Bearer alice', 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'ping' }),
    });
    other.server.notifyListChanged('tools');
    await expect(Promise.race([changed.then(() => 'received'), sleep(3000).then(() => 'timed out')])).resolves.toBe(
      'received',
    );
  });

  it('ends the session on every replica when the client deletes it through one', async () => {
    const { client, transport } = await roundRobinClient([a, b]);
    const sessionId = transport.sessionId as string;
    await client.callTool({ name: 'where', arguments: {} });
    await transport.terminateSession();
    for (const replica of [a, b]) {
      const res = await fetch(replica.http.url, {
        method: 'POST',
        headers: { ...HEADERS, authorization: 'Bearer alice', 'mcp-session-id': sessionId },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      expect(res.status).toBe(404);
    }
    await client.close();
  });
});
