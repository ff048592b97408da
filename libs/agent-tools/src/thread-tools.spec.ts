// The thread tools through the SDK's real Client: each principal sees, forks and deletes only its own threads.
import { InMemoryThreadStore, type Principal } from '@agent-mcp/context';
import { createPipeline } from '@agent-mcp/mcp-core';
import { connectLinkedClient, createTestServer } from '@agent-mcp/mcp-core/testing';
import { createThreadTools } from './thread-tools';

const alice: Principal = { id: 'alice', tenantId: 't1', scopes: ['*'], via: 'api_key' };
const bob: Principal = { id: 'bob', tenantId: 't1', scopes: ['*'], via: 'api_key' };

describe('thread tools', () => {
  it('list, get, fork and delete the caller’s threads; another principal gets “not found”', async () => {
    const store = new InMemoryThreadStore();
    const { threadId } = await store.create('t1:alice');
    await store.append(threadId, 't1:alice', [
      { role: 'user', text: 'How many orders shipped late?', tool: 'database_query' },
      { role: 'assistant', text: '12 orders.', tool: 'database_query' },
    ]);
    // Requests are sequential here, so one variable says who the next caller is.
    let caller = alice;
    const server = createTestServer({ pipeline: createPipeline({ authenticate: { authenticator: () => caller } }) });
    for (const tool of createThreadTools(store)) server.tools.register(tool);
    const forAlice = await connectLinkedClient(server);
    caller = bob;
    const forBob = await connectLinkedClient(server);
    try {
      caller = alice;
      const listed = await forAlice.client.callTool({ name: 'thread_list', arguments: {} });
      expect(listed.structuredContent).toMatchObject({
        threads: [{ threadId, title: 'How many orders shipped late?', messageCount: 2 }],
      });
      const got = await forAlice.client.callTool({ name: 'thread_get', arguments: { threadId } });
      expect((got.structuredContent as { messages: Array<{ text: string }> }).messages.map((m) => m.text)).toEqual([
        'How many orders shipped late?',
        '12 orders.',
      ]);
      const forked = await forAlice.client.callTool({ name: 'thread_fork', arguments: { threadId } });
      expect(forked.structuredContent).toMatchObject({ forkedFrom: threadId, messageCount: 2 });

      caller = bob;
      expect((await forBob.client.callTool({ name: 'thread_list', arguments: {} })).structuredContent).toEqual({
        threads: [],
      });
      for (const name of ['thread_get', 'thread_fork', 'thread_delete']) {
        const refused = await forBob.client.callTool({ name, arguments: { threadId } });
        expect(refused).toMatchObject({
          isError: true,
          content: [{ type: 'text', text: `Thread not found: ${threadId}` }],
        });
      }

      caller = alice;
      expect(
        (await forAlice.client.callTool({ name: 'thread_delete', arguments: { threadId } })).structuredContent,
      ).toEqual({ deleted: true });
      expect(await store.get(threadId, 't1:alice')).toBeUndefined();
    } finally {
      await forAlice.close();
      await forBob.close();
    }
  });
});
