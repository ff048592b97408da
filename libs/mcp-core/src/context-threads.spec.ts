// mcp-core hands the server's thread store to every handler as `context.threads` (agent tools continue threads
// through it), through the SDK's real Client.
import { z } from 'zod';
import { InMemoryThreadStore } from '@agent-mcp/context';
import { connectPipeClient, testServer } from './spec-helpers/clients';
import { defineTool } from './tool';

describe('context.threads', () => {
  it('hands the server’s thread store to every handler, so agent tools can continue threads', async () => {
    const store = new InMemoryThreadStore();
    const server = testServer({ threads: store });
    server.tools.register(
      defineTool({
        name: 'remember',
        description: 'starts a thread',
        inputSchema: z.object({}),
        async execute(_args, context) {
          const thread = await context.threads?.create('-:anonymous');
          return thread ? thread.threadId : 'no thread store';
        },
      }),
    );
    const pipe = await connectPipeClient(server);
    try {
      const result = await pipe.client.callTool({ name: 'remember', arguments: {} });
      const threadId = (result.content as Array<{ text: string }>)[0]?.text as string;
      expect(await store.get(threadId, '-:anonymous')).toMatchObject({ threadId, messageCount: 0 });
    } finally {
      await pipe.close();
    }
  });
});
