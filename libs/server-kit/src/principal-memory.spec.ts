// The seed's AgentState made real (issue 14 item 4): a caller's saved preferences persist in the application
// database across a restart, reach the agent tools fenced as text the user wrote, and the caller can see and
// clear them (memory_get, memory_clear), offered beside the agent tools.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOpenAIProvider } from '@agent-mcp/agent-core';
import { createScriptedServer, type ScriptedServer, textTurn } from '@agent-mcp/agent-core/testing';
import { noopLogger } from '@agent-mcp/context';
import { connectLinkedClient } from '@agent-mcp/mcp-core/testing';
import { createAgentMcpServer } from './create-agent-mcp-server';

jest.setTimeout(180_000);

let dir: string;
let scripted: ScriptedServer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'principal-memory-'));
  scripted = await createScriptedServer({ apiKey: 'test-key' });
});
afterAll(async () => {
  await scripted?.close();
  await rm(dir, { recursive: true, force: true });
});

async function start() {
  const env = { DATABASE_EMBEDDED_DIR: path.join(dir, 'db'), SUPPORT_TOOLS: 'false', RESEARCH_TOOLS: 'false' };
  const modelProvider = createOpenAIProvider({ apiKey: 'test-key', baseURL: scripted.url, model: 'scripted', env: {} });
  const composed = await createAgentMcpServer({ env, transport: { kind: 'stdio' }, logger: noopLogger, modelProvider });
  const { client } = await connectLinkedClient(composed.server);
  return {
    call: (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args }),
    close: async () => (await client.close(), await composed.close()),
  };
}

it('keeps saved preferences across a restart, gives them to the agent fenced, and clears them on request', async () => {
  const first = await start();
  try {
    const saved = await first.call('memory_set', { key: 'language', value: 'Answer in French' });
    expect(saved.isError).toBeFalsy();
  } finally {
    await first.close();
  }

  const again = await start();
  try {
    expect((await again.call('memory_get')).structuredContent).toEqual({
      entries: [{ key: 'language', value: 'Answer in French' }],
    });
    scripted.enqueue(textTurn('Il y a 22 produits.'));
    const answered = await again.call('database_query', { question: 'How many products?' });
    expect(answered.structuredContent).toMatchObject({ answer: 'Il y a 22 produits.' });
    const [memory, question] = scripted.requests.at(-1)?.body.input as Array<{ role: string; content: string }>;
    expect(memory?.content).toMatch(
      /<untrusted-data source="memory"[^>]*>\nlanguage: Answer in French\n<\/untrusted-data/,
    );
    expect(question).toMatchObject({ role: 'user', content: 'How many products?' });

    expect((await again.call('memory_clear')).structuredContent).toEqual({ removed: 1 });
    scripted.enqueue(textTurn('22.'));
    await again.call('database_query', { question: 'How many products?' });
    expect(JSON.stringify(scripted.requests.at(-1)?.body)).not.toContain('Answer in French');
  } finally {
    await again.close();
  }
});
