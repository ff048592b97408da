// Issue 8 over Streamable HTTP: the HTTP app as a child process driven by the SDK's Client (StreamableHTTPClientTransport), with
// database_query on a real PostgreSQL and its model on the scripted OpenAI-compatible server. A cancelled call
// stops the model request and the running statement within a second and gets no response; an unknown request id
// in notifications/cancelled is ignored; a slow run sends heartbeat progress; a budget stops a looping model with
// a readable result; with no key, a client that answers sampling requests lends its model.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type ClientCapabilities,
  type CreateMessageRequest,
  CreateMessageRequestSchema,
  type JSONRPCMessage,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { type SqlClient } from '@agent-mcp/context';
import { createPgSqlClient } from '@agent-mcp/store';
import {
  createThrowawayDatabase,
  TEST_DATABASE_ADMIN_URL,
  type ThrowawayDatabase,
  withPgClient,
} from '@agent-mcp/context/testing';
import {
  createScriptedServer,
  hangTurn,
  type ScriptedServer,
  textTurn,
  toolCallTurn,
} from '@agent-mcp/agent-core/testing';

jest.setTimeout(60_000);

const MAIN = path.resolve(__dirname, '../dist/main.js');
// The database CLI operators use (`npm run db:load-sample`, `db:setup-role`), built with tools-database.
const DB_CLI = path.resolve(__dirname, '../../../libs/tools-database/dist/cli.js');
const SLOW_SQL = 'SELECT count(*) FROM generate_series(1, 10000000000)';

/** The test database's URL as `user`. */
const asUser = (url: string, user: string) => {
  const u = new URL(url);
  u.username = user;
  return u.toString();
};

let scripted: ScriptedServer;
let admin: SqlClient;
let db: ThrowawayDatabase;
let role: string;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'tdb_runs' });
  role = `ro_runs_${db.name.slice('tdb_runs_'.length)}`;
  const env = { ...process.env, DATABASE_ADMIN_URL: db.url, DATABASE_READONLY_ROLE: role };
  for (const command of ['load-sample', 'setup-role'])
    execFileSync(process.execPath, [DB_CLI, command], { env, stdio: 'pipe', timeout: 30_000 });
  admin = createPgSqlClient({ connectionString: db.url, poolMax: 2 });
  scripted = await createScriptedServer({ apiKey: 'test-key' });
});

afterAll(async () => {
  await scripted?.close();
  await admin?.close();
  await db?.drop();
  await withPgClient(TEST_DATABASE_ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
});

interface Connected {
  readonly client: Client;
  /** Every message the server sent, in order. */
  readonly received: JSONRPCMessage[];
  /** Ids of the tools/call requests the client sent, in order. */
  readonly callIds: (string | number)[];
  close(): Promise<void>;
}

interface Running {
  readonly child: ChildProcess;
  readonly url: URL;
  readonly exited: Promise<number | null>;
}

/** Starts the HTTP app on a free port and resolves with its MCP URL once it listens. */
async function start(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      DATABASE_QUERY_URL: asUser(db.url, role),
      DATABASE_TOOLS: 'true',
      RESEARCH_TOOLS: 'false',
      OPENAI_BASE_URL: scripted.url,
      OPENAI_MODEL: 'scripted',
      AGENT_HEARTBEAT_SECONDS: '0.2',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000);
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /"url":"(http:\/\/[^"]+\/mcp)"/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1] as string));
      }
    });
    child.on('exit', () => reject(new Error(`server exited: ${stderr}`)));
  });
  return { child, url, exited };
}

async function stop(running: Running | undefined): Promise<void> {
  if (!running) return;
  running.child.kill('SIGKILL');
  await running.exited;
}

async function connect(url: URL, capabilities: ClientCapabilities = {}): Promise<Connected> {
  const transport = new StreamableHTTPClientTransport(url);
  const client = new Client({ name: 'remote', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  const received: JSONRPCMessage[] = [];
  const callIds: (string | number)[] = [];
  const onmessage = transport.onmessage;
  transport.onmessage = (message) => {
    received.push(message);
    onmessage?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if ('method' in message && message.method === 'tools/call' && 'id' in message) callIds.push(message.id);
    return send(message, options);
  };
  return {
    client,
    received,
    callIds,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

const runningStatements = async (): Promise<number> =>
  (
    await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND state = 'active' AND query = $2",
      [role, SLOW_SQL],
    )
  ).rows[0]?.n ?? 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const responded = (c: Connected, id: string | number) =>
  c.received.some((m) => 'id' in m && m.id === id && !('method' in m));

describe('database_query over Streamable HTTP, on the scripted model server', () => {
  let server: Running;
  let c: Connected;
  beforeAll(async () => {
    server = await start({ OPENAI_API_KEY: 'test-key' });
    c = await connect(server.url);
  });
  afterAll(async () => {
    await c?.close();
    await stop(server);
  });
  beforeEach(() => scripted.reset());

  it('cancelled while its SQL runs: the statement leaves the server within a second and no response comes', async () => {
    scripted.enqueue(toolCallTurn({ name: 'run_sql', arguments: { sql: SLOW_SQL } }), textTurn('never asked'));
    const controller = new AbortController();
    const call = c.client.callTool(
      { name: 'database_query', arguments: { question: 'Count to ten billion' } },
      undefined,
      { signal: controller.signal },
    );
    call.catch(() => undefined);
    for (let i = 0; i < 200 && (await runningStatements()) === 0; i++) await sleep(25);
    expect(await runningStatements()).toBe(1);
    const at = Date.now();
    controller.abort('user pressed stop');
    while ((await runningStatements()) > 0 && Date.now() - at < 3000) await sleep(20);
    expect(Date.now() - at).toBeLessThan(1000);
    await expect(call).rejects.toThrow();
    await sleep(300);
    expect(responded(c, c.callIds.at(-1) as number)).toBe(false);
    expect(scripted.requests).toHaveLength(1);
  });

  it('cancelled while the model thinks: the model request is closed within a second and no response comes', async () => {
    scripted.enqueue(hangTurn());
    const controller = new AbortController();
    const call = c.client.callTool({ name: 'database_query', arguments: { question: 'Think hard' } }, undefined, {
      signal: controller.signal,
    });
    call.catch(() => undefined);
    await scripted.waitForRequest(0, 5000);
    const at = performance.now();
    controller.abort('user pressed stop');
    const closed = await scripted.waitForClientClose(0, 1000);
    expect((closed.clientClosedAt ?? Infinity) - at).toBeLessThan(1000);
    await sleep(300);
    expect(responded(c, c.callIds.at(-1) as number)).toBe(false);
  });

  it('ignores notifications/cancelled for a request id it does not know', async () => {
    scripted.enqueue(textTurn('Still here.', { delayMs: 300 }));
    const call = c.client.callTool({ name: 'database_query', arguments: { question: 'Are you there?' } });
    await scripted.waitForRequest(0, 5000);
    await c.client.notification({
      method: 'notifications/cancelled',
      params: { requestId: 987_654, reason: 'not a request of ours' },
    });
    const result = await call;
    expect(result.structuredContent).toMatchObject({ status: 'answered', answer: 'Still here.' });
  });

  it('sends progress with increasing values while a slow run goes on', async () => {
    scripted.enqueue(textTurn('Slow but sure.', { delayMs: 1200 }));
    const progress: Progress[] = [];
    const result = await c.client.callTool(
      { name: 'database_query', arguments: { question: 'Take your time' } },
      undefined,
      {
        onprogress: (p) => progress.push(p),
        resetTimeoutOnProgress: true,
      },
    );
    expect(result.structuredContent).toMatchObject({ status: 'answered' });
    // The app keeps threads (embedded database): the call moves while its thread opens, then asks the model.
    expect(progress.slice(0, 2).map((p) => p.message)).toEqual([
      'turn 1: opening the conversation',
      'turn 1: asking the model',
    ]);
    expect(
      progress.filter((p) => p.message?.startsWith('turn 1: still asking the model')).length,
    ).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i].progress).toBeGreaterThan(progress[i - 1].progress);
    expect(result._meta).toMatchObject({
      agentRun: { status: 'completed', model: 'scripted', modelSource: 'server', turns: 1 },
    });
  });

  it('stops a looping model at the caller’s turn budget with a readable result', async () => {
    for (let i = 0; i < 5; i++)
      scripted.enqueue(toolCallTurn({ name: 'run_sql', arguments: { sql: 'SELECT 1 AS one' } }));
    const result = await c.client.callTool({ name: 'database_query', arguments: { question: 'Loop', maxTurns: 2 } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'stopped', stopReason: 'max_turns' });
    expect((result.content as { text: string }[])[0].text).toMatch(
      /^Stopped without an answer\. The turn budget \(2 turns\) ran out/,
    );
    expect(result._meta).toMatchObject({ agentRun: { status: 'stopped', stopReason: 'max_turns', turns: 2 } });
    expect(scripted.requests).toHaveLength(2);
  });
});

describe('database_query over Streamable HTTP with no key, on the client’s model', () => {
  it('answers through sampling/createMessage and says so in _meta', async () => {
    scripted.reset();
    const server = await start({ OPENAI_API_KEY: '' });
    const c = await connect(server.url, { sampling: { tools: {} } });
    const asked: CreateMessageRequest['params'][] = [];
    c.client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      asked.push(request.params);
      if (asked.length === 1) {
        return {
          model: 'desktop-model',
          role: 'assistant',
          stopReason: 'toolUse',
          content: [
            { type: 'tool_use', id: 'tu_1', name: 'run_sql', input: { sql: 'SELECT count(*) AS n FROM customers' } },
          ],
        };
      }
      return {
        model: 'desktop-model',
        role: 'assistant',
        stopReason: 'endTurn',
        content: [{ type: 'text', text: 'I counted the customers.' }],
      };
    });
    const result = await c.client.callTool({
      name: 'database_query',
      arguments: { question: 'How many customers are there?' },
    });
    expect(result.structuredContent).toMatchObject({
      status: 'answered',
      answer: 'I counted the customers.',
      queries: [{ sql: 'SELECT count(*) AS n FROM customers', rowCount: 1 }],
    });
    expect(result._meta).toMatchObject({
      agentRun: { modelSource: 'client-sampling', model: 'desktop-model', turns: 2, usage: { estimated: true } },
    });
    expect(asked[0]?.tools?.map((t) => t.name)).toEqual(['list_tables', 'describe_table', 'run_sql']);
    const toolResult = (
      asked[1]?.messages.at(-1)?.content as { type: string; toolUseId: string; content: { text: string }[] }
    ).content[0].text;
    expect(toolResult).toMatch(/<untrusted-data source="run_sql"/);
    expect(scripted.requests).toHaveLength(0);
    await c.close();
    await stop(server);
  });
});
