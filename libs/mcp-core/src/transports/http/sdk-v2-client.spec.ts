// Real clients of both revisions on one endpoint: the official SDK v2 client (@modelcontextprotocol/client 2.x)
// pinned to 2026-07-28 and in `auto` mode lists and calls tools with no initialize and no session, and in its
// default legacy mode opens a 2025-11-25 session on the same URL.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { type HttpFixture, startHttp, testServer } from '../../spec-helpers/clients';
import { defineTool } from '../../tool';

type Negotiation = ConstructorParameters<typeof Client>[1];

async function connect(f: HttpFixture, options: Negotiation): Promise<Client> {
  const client = new Client({ name: 'sdk-v2-test', version: '1.0.0' }, options);
  await client.connect(new StreamableHTTPClientTransport(f.url));
  return client;
}

describe('the SDK v2 client', () => {
  let f: HttpFixture;

  beforeAll(async () => {
    const server = testServer({ instructions: 'two eras' });
    server.tools.register(
      defineTool({
        name: 'add',
        description: 'adds two numbers',
        inputSchema: z.object({ a: z.number(), b: z.number() }),
        execute: ({ a, b }) => String(a + b),
      }),
    );
    f = await startHttp(server);
  });
  afterAll(() => f.close());

  it.each([
    ['pinned to 2026-07-28', { versionNegotiation: { mode: { pin: '2026-07-28' } } }],
    ['in auto mode', { versionNegotiation: { mode: 'auto' } }],
  ] as Array<[string, Negotiation]>)('%s speaks 2026-07-28 with no session', async (_name, options) => {
    const client = await connect(f, options);
    try {
      expect(client.getProtocolEra()).toBe('modern');
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect(client.getServerVersion()).toMatchObject({ name: 'test-server' });
      expect(client.getInstructions()).toBe('two eras');
      expect(f.handler.sessionCount).toBe(0);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['add']);
      const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
      expect(result.content).toEqual([{ type: 'text', text: '5' }]);
      expect(f.handler.sessionCount).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('in its default mode opens a 2025-11-25 session on the same endpoint', async () => {
    const client = await connect(f, {});
    try {
      expect(client.getProtocolEra()).toBe('legacy');
      expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      expect(f.handler.sessionCount).toBe(1);
      const result = await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
      expect(result.content).toEqual([{ type: 'text', text: '2' }]);
    } finally {
      await client.close();
    }
  });
});
