// subscriptions/listen (MCP 2026-07-28) with the official SDK v2 client pinned to 2026-07-28, over real HTTP
// (a long-lived SSE response to the POST) and over serveStdio's newline-delimited streams: the acknowledgement
// names what the server will deliver, the notifications the client opted in to arrive (tools, prompts and
// resource list changes, updates of the resources it named, whether the server or the owner of the data on its
// resource registry raised them) and no others, and a server shutdown ends the stream
// gracefully (the listen request's result) while a client close leaves nothing open on the server.
import { PassThrough } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { type McpServer } from '../server';
import { type HttpFixture, sleep, startHttp, testServer } from '../spec-helpers/clients';
import { defineTool } from '../tool';
import { serveStdio } from '../transports/stdio';

type ClientTransport = Parameters<Client['connect']>[0];
type Seen = Array<{ method: string; params?: Record<string, unknown> }>;

const PIN = { versionNegotiation: { mode: { pin: '2026-07-28' } } } as ConstructorParameters<typeof Client>[1];

function serverWithResources(): McpServer {
  const server = testServer();
  server.tools.register(
    defineTool({ name: 'hi', description: 'says hi', inputSchema: z.object({}), execute: () => 'hi' }),
  );
  server.resources.register({ uri: 'test://watched', name: 'watched', read: () => 'v1' });
  server.resources.register({ uri: 'test://other', name: 'other', read: () => 'other' });
  return server;
}

/** A client that records the change notifications it receives, whichever listen stream carried them. */
function recordingClient(): { client: Client; seen: Seen } {
  const client = new Client({ name: 'listen-spec', version: '1.0.0' }, PIN);
  const seen: Seen = [];
  for (const method of [
    'notifications/tools/list_changed',
    'notifications/prompts/list_changed',
    'notifications/resources/list_changed',
    'notifications/resources/updated',
  ] as const)
    client.setNotificationHandler(method, (n) => void seen.push(n as Seen[number]));
  return { client, seen };
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  for (const started = Date.now(); !check(); await sleep(10))
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
}

/** The SDK v2 client's transport over the stdin/stdout pipes of {@link serveStdio} (newline-delimited JSON). */
class PipeTransport implements ClientTransport {
  onmessage?: ClientTransport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private buffer = '';

  constructor(
    private readonly toServer: PassThrough,
    private readonly fromServer: PassThrough,
  ) {}

  async start(): Promise<void> {
    this.fromServer.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      for (let nl = this.buffer.indexOf('\n'); nl !== -1; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.onmessage?.(JSON.parse(line));
      }
    });
  }

  async send(message: Parameters<ClientTransport['send']>[0]): Promise<void> {
    this.toServer.write(`${JSON.stringify(message)}\n`);
  }

  async close(): Promise<void> {
    this.toServer.end();
    this.onclose?.();
  }
}

describe('subscriptions/listen with the SDK v2 client pinned to 2026-07-28', () => {
  describe('over HTTP', () => {
    let server: McpServer;
    let f: HttpFixture;

    beforeEach(async () => {
      server = serverWithResources();
      f = await startHttp(server);
    });
    afterEach(() => f.close());

    async function connect(): Promise<{ client: Client; seen: Seen }> {
      const connected = recordingClient();
      await connected.client.connect(new StreamableHTTPClientTransport(f.url));
      return connected;
    }

    it('server/discover advertises list changes and resource subscriptions', async () => {
      const { client } = await connect();
      try {
        expect(client.getServerCapabilities()).toMatchObject({
          tools: { listChanged: true },
          prompts: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
        });
      } finally {
        await client.close();
      }
    });

    it('delivers the list changes and resource updates the client asked for, and nothing else', async () => {
      const { client, seen } = await connect();
      try {
        const subscription = await client.listen({
          toolsListChanged: true,
          resourcesListChanged: true,
          resourceSubscriptions: ['test://watched'],
        });
        expect(subscription.honoredFilter).toEqual({
          toolsListChanged: true,
          resourcesListChanged: true,
          resourceSubscriptions: ['test://watched'],
        });
        expect(server.listenCount).toBe(1);
        server.tools.register(
          defineTool({ name: 'later', description: 'added later', inputSchema: z.object({}), execute: () => 'x' }),
        );
        server.notifyListChanged('prompts'); // not asked for
        server.notifyResourceUpdated('test://other'); // not asked for
        server.notifyResourceUpdated('test://watched');
        server.notifyListChanged('resources');
        await until(() => seen.length >= 3, 'three notifications');
        await sleep(50);
        expect(seen.map((n) => [n.method, n.params?.['uri']])).toEqual([
          ['notifications/tools/list_changed', undefined],
          ['notifications/resources/updated', 'test://watched'],
          ['notifications/resources/list_changed', undefined],
        ]);
        await subscription.close();
        expect(await subscription.closed).toBe('local');
        await until(() => server.listenCount === 0, 'the server to drop the closed stream');
      } finally {
        await client.close();
      }
    });

    it('delivers the changes the owner of the data raises on the resource registry', async () => {
      const { client, seen } = await connect();
      try {
        const subscription = await client.listen({
          resourcesListChanged: true,
          resourceSubscriptions: ['test://watched'],
        });
        server.resources.notifyUpdated('test://other'); // not asked for
        server.resources.notifyUpdated('test://watched');
        server.resources.notifyListChanged();
        await until(() => seen.length >= 2, 'two notifications');
        await sleep(50);
        expect(seen.map((n) => [n.method, n.params?.['uri']])).toEqual([
          ['notifications/resources/updated', 'test://watched'],
          ['notifications/resources/list_changed', undefined],
        ]);
        await subscription.close();
      } finally {
        await client.close();
      }
    });

    it('ends the stream gracefully when the server shuts down, and serves no new listen', async () => {
      const { client } = await connect();
      try {
        const subscription = await client.listen({ toolsListChanged: true });
        server.stopAccepting();
        expect(await subscription.closed).toBe('graceful');
        expect(server.listenCount).toBe(0);
        expect(server.activeRequests).toBe(0);
      } finally {
        await client.close();
      }
    });
  });

  describe('over stdio', () => {
    it('acknowledges, delivers on the shared stream, and ends with the result when the connection closes', async () => {
      const server = serverWithResources();
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      const connection = serveStdio(server, { stdin, stdout });
      const { client, seen } = recordingClient();
      await client.connect(new PipeTransport(stdin, stdout));
      try {
        expect(client.getProtocolEra()).toBe('modern');
        const tools = await client.listen({ toolsListChanged: true });
        const resources = await client.listen({ resourceSubscriptions: ['test://watched'] });
        expect(resources.honoredFilter).toEqual({ resourceSubscriptions: ['test://watched'] });
        server.notifyResourceUpdated('test://watched');
        server.tools.unregister('hi');
        await until(() => seen.length >= 2, 'two notifications');
        expect(seen.map((n) => n.method).sort()).toEqual([
          'notifications/resources/updated',
          'notifications/tools/list_changed',
        ]);
        // A listen stream does not count as a request to drain.
        expect(connection.session.activeRequests).toBe(0);
        // The client cancels one (notifications/cancelled over stdio); the server drops it.
        await tools.close();
        await until(() => server.listenCount === 1, 'the cancelled stream to leave');
        connection.close();
        expect(await resources.closed).toBe('graceful');
        await connection.closed;
      } finally {
        await client.close();
      }
    });
  });
});
