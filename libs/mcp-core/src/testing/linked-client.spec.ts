// The linked pair: the SDK client and an McpServer in memory initialize, list and call a tool, and the server
// sees the client's capabilities; closing the client ends the server's session.
import { z } from 'zod';
import { defineTool } from '../tool';
import { connectLinkedClient, createTestServer } from './index';

const add = defineTool({
  name: 'add',
  description: 'Adds two numbers',
  inputSchema: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => String(a + b),
});

describe('connectLinkedClient', () => {
  it('initializes the SDK client against the server and calls a tool', async () => {
    const server = createTestServer({ name: 'linked' });
    server.tools.register(add);
    const { client, connection, close } = await connectLinkedClient(server, {
      capabilities: { roots: {} },
      clientInfo: { name: 'linked-spec', version: '2.0.0' },
    });
    expect(client.getServerVersion()).toMatchObject({ name: 'linked', version: '1.0.0' });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['add']);
    expect(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })).toEqual({
      content: [{ type: 'text', text: '5' }],
    });
    expect(connection.session.clientInfo).toMatchObject({ name: 'linked-spec', version: '2.0.0' });
    expect(connection.session.clientCapabilities).toEqual({ roots: {} });
    await close();
    await connection.closed;
  });
});
