// Issue 16 item 1 and issue 14 item 4: the server's own state is not on the engine that runs callers' SQL. While a
// caller's statement holds the embedded engine (here for up to 20 s), thread calls and a task answer at once; after
// it is cancelled (its worker replaced), they still work, and so does the caller's SQL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateTaskResultSchema, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { createScriptedServer, type ScriptedServer, textTurn } from '@agent-mcp/agent-core/testing';
import { type ServerProcess, startServerProcess } from './spec-helpers/server-process';

jest.setTimeout(180_000);

const NORMAL = 'SELECT count(*) AS n FROM products';
const RUNAWAY = 'SELECT count(*) AS n FROM order_items a, order_items b, order_items c';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let scripted: ScriptedServer;
let server: ServerProcess;
let scratchParent: string;
let client: Client;

beforeAll(async () => {
  scratchParent = await mkdtemp(path.join(tmpdir(), 'embedded-state-'));
  scripted = await createScriptedServer({ apiKey: 'test-key' });
  server = await startServerProcess({
    DATABASE_EMBEDDED_DIR: 'memory',
    DATABASE_TOOLS: 'true',
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: scripted.url,
    OPENAI_MODEL: 'scripted',
    // Long enough that a thread call queued behind the statement could not finish before the test cancels it.
    DATABASE_STATEMENT_TIMEOUT_MS: '20000',
    RESEARCH_TOOLS: 'false',
    SUPPORT_TOOLS: 'false',
    LOG_LEVEL: 'info',
    TMPDIR: scratchParent,
  });
  client = new Client({ name: 'state-isolation', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
});

afterAll(async () => {
  await client?.close().catch(() => undefined);
  await server?.kill();
  await scripted?.close();
  await rm(scratchParent, { recursive: true, force: true });
});

/** An agent call run as a task (the model answers at once, so it needs no SQL), polled to its end. */
async function agentTask(): Promise<string> {
  scripted.enqueue(textTurn('Answered in the background.'));
  const created = await client.request(
    {
      method: 'tools/call',
      params: { name: 'database_query', arguments: { question: 'How many?' }, task: { ttl: 60_000 } },
    },
    CreateTaskResultSchema,
  );
  let status = created.task.status;
  for (const deadline = Date.now() + 30_000; status === 'working' && Date.now() < deadline;) {
    await sleep(50);
    status = (
      await client.request({ method: 'tasks/get', params: { taskId: created.task.taskId } }, GetTaskResultSchema)
    ).status;
  }
  return status;
}

it('answers thread calls and tasks while a caller statement holds the engine, and after it is cancelled', async () => {
  expect(server.logLines().find((l) => String(l['msg']).startsWith('server state'))).toMatchObject({
    kind: 'embedded',
    location: 'memory',
  });
  // Both databases started (seconds each), so what follows measures only waiting.
  expect((await client.callTool({ name: 'sql_query', arguments: { sql: NORMAL } })).isError).toBeFalsy();
  expect((await client.callTool({ name: 'thread_list', arguments: {} })).isError).toBeFalsy();

  const controller = new AbortController();
  let runawaySettled = false;
  const runaway = client
    .callTool({ name: 'sql_query', arguments: { sql: RUNAWAY } }, undefined, { signal: controller.signal })
    .catch((error: unknown) => error)
    .finally(() => (runawaySettled = true));
  await sleep(500);

  const threads = await client.callTool({ name: 'thread_list', arguments: {} });
  expect(threads.isError).toBeFalsy();
  expect(await agentTask()).toBe('completed');
  // Answered while the caller's statement still held the engine: they were not queued behind it.
  expect(runawaySettled).toBe(false);

  controller.abort('changed my mind');
  await runaway;
  expect((await client.callTool({ name: 'thread_list', arguments: {} })).isError).toBeFalsy();
  expect(await agentTask()).toBe('completed');
  expect((await client.callTool({ name: 'sql_query', arguments: { sql: NORMAL } })).isError).toBeFalsy();
  expect(server.stderr()).not.toContain('does not exist');
});
