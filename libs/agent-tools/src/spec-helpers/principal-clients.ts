import { InMemoryMemoryStore, type Principal } from '@agent-mcp/context';
import { createPipeline, type Tool } from '@agent-mcp/mcp-core';
import { connectLinkedClient, createTestServer } from '@agent-mcp/mcp-core/testing';

type Call = (name: string, args?: Record<string, unknown>) => ReturnType<LinkedCall>;
type LinkedCall = Awaited<ReturnType<typeof connectLinkedClient>>['client']['callTool'];

export const ALICE: Principal = { id: 'alice', tenantId: 't1', scopes: ['*'], via: 'api_key' };
export const BOB: Principal = { id: 'bob', tenantId: 't1', scopes: ['*'], via: 'api_key' };

/** Two callers of `tools` on one server and one memory store, each with a session of its own. */
export interface TwoCallers {
  readonly alice: Call;
  readonly bob: Call;
  close(): Promise<void>;
}

/**
 * A server with `tools` and an in-memory store, and one SDK client per principal: a session belongs to the
 * principal that opened it, so each call names who makes it.
 */
export async function twoCallers(tools: readonly Tool[]): Promise<TwoCallers> {
  let caller = ALICE;
  const server = createTestServer({
    memory: new InMemoryMemoryStore(),
    pipeline: createPipeline({ authenticate: { authenticator: () => caller } }),
  });
  for (const tool of tools) server.tools.register(tool);
  const forAlice = await connectLinkedClient(server);
  caller = BOB;
  const forBob = await connectLinkedClient(server);
  const as =
    (who: Principal, client: typeof forAlice.client): Call =>
    (name, args = {}) => {
      caller = who;
      return client.callTool({ name, arguments: args });
    };
  return {
    alice: as(ALICE, forAlice.client),
    bob: as(BOB, forBob.client),
    close: async () => {
      await forAlice.client.close();
      await forBob.client.close();
    },
  };
}

/** One anonymous caller of `tools` on a server of its own. */
export async function oneCaller(tools: readonly Tool[]): Promise<{ call: Call; close(): Promise<void> }> {
  const server = createTestServer({ memory: new InMemoryMemoryStore() });
  for (const tool of tools) server.tools.register(tool);
  const { client } = await connectLinkedClient(server);
  return { call: (name, args = {}) => client.callTool({ name, arguments: args }), close: () => client.close() };
}
