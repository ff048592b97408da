// The agent tools with no OpenAI key, for an MCP 2026-07-28 client (issue 15 item 4): the run goes on the
// client's own model through sampling, and since the server sends a modern client no request, each model turn is
// an `input_required` round the client answers by retrying. A support run of three sampled turns and an approval
// completes over five rounds, the ticket written once; the SDK v2 client pinned to 2026-07-28 over real HTTP.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createOpenAIProvider } from '@agent-mcp/agent-core';
import { noopLogger, type SqlClient } from '@agent-mcp/context';
import { createPgSqlClient } from '@agent-mcp/store';
import { createStreamableHttpHandler, McpServer } from '@agent-mcp/mcp-core';
import { createDatabaseTools, type DatabaseTools, parseDatabaseConfig, sampleDataSql } from '@agent-mcp/tools-database';
import { createSupportTools } from '@agent-mcp/tools-support';

jest.setTimeout(120_000);

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const VERSION = '2026-07-28';

let admin: SqlClient;
let check: SqlClient;
let dbName: string;
let database: DatabaseTools;
let http: Server;
let url: URL;
let closeHandler: () => void;

beforeAll(async () => {
  dbName = `tsround_${randomBytes(5).toString('hex')}`;
  admin = createPgSqlClient({ connectionString: ADMIN_URL, poolMax: 1 });
  await admin.query(`CREATE DATABASE ${dbName}`);
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  check = createPgSqlClient({ connectionString: u.toString(), poolMax: 2 });
  await check.query(sampleDataSql());
  database = createDatabaseTools({ config: parseDatabaseConfig({ DATABASE_URL: u.toString() }), env: {} });
  const server = new McpServer({ name: 'sampling-rounds-spec', version: '1.0.0', logger: noopLogger });
  // No key: the provider says so on the first model request, and the run moves to the client's model.
  const modelProvider = createOpenAIProvider({ env: {} });
  createSupportTools({ sql: database.sql, env: {}, modelProvider }).register(server);
  const handler = createStreamableHttpHandler(server);
  closeHandler = () => handler.close();
  http = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/mcp') handler.handle(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
});

afterAll(async () => {
  closeHandler?.();
  http?.closeAllConnections();
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  await database?.close();
  await check?.close();
  await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin?.close();
});

type Sampled = { role: 'assistant'; model: string; stopReason: string; content: unknown };
const toolUse = (id: string, name: string, input: Record<string, unknown>): Sampled => ({
  role: 'assistant',
  model: 'desktop-model',
  stopReason: 'toolUse',
  content: [{ type: 'tool_use', id, name, input }],
});

it("runs the support agent on the client's model, one round per sampled turn, and writes the ticket once", async () => {
  const script: Sampled[] = [
    toolUse('tu_1', 'kb_search', { query: 'refund' }),
    toolUse('tu_2', 'ticket_create', { subject: 'Refund by phone', body: 'Please call the customer about a refund.' }),
    {
      role: 'assistant',
      model: 'desktop-model',
      stopReason: 'endTurn',
      content: { type: 'text', text: 'A colleague will call you.' },
    },
  ];
  const sampled: Array<{ messages: unknown[]; tools?: Array<{ name: string }> }> = [];
  const elicited: string[] = [];
  const posts: string[] = [];
  const client = new Client(
    { name: 'desktop-v2', version: '1.0.0' },
    {
      versionNegotiation: { mode: { pin: VERSION } },
      capabilities: { sampling: { tools: {} }, elicitation: { form: {} } },
    },
  );
  client.setRequestHandler('sampling/createMessage', async (request) => {
    sampled.push(request.params as (typeof sampled)[number]);
    const next = script[sampled.length - 1];
    if (!next) throw new Error('the scripted client model has no more answers');
    return next as never;
  });
  client.setRequestHandler('elicitation/create', async (request) => {
    elicited.push(String(request.params.message));
    return { action: 'accept', content: { confirm: true } };
  });
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      fetch: (input, init) => {
        const body = typeof init?.body === 'string' ? init.body : '';
        if (body.includes('"tools/call"')) posts.push(body);
        return fetch(input, init);
      },
    }),
  );
  try {
    const before = Number(
      (await check.query<{ n: number }>('SELECT count(*)::int AS n FROM support_tickets WHERE customer_id = 15'))
        .rows[0]?.n,
    );
    const result = (await client.callTool(
      { name: 'support', arguments: { message: `Call me about my refund (${randomUUID()}).`, customerId: 15 } },
      { timeout: 90_000 },
    )) as { structuredContent?: Record<string, unknown>; _meta?: Record<string, unknown> };
    expect(result.structuredContent).toMatchObject({
      status: 'answered',
      answer: 'A colleague will call you.',
      ticketCreated: { created: true },
    });
    expect(result._meta).toMatchObject({
      agentRun: { status: 'completed', modelSource: 'client-sampling', model: 'desktop-model', turns: 3 },
    });
    // Each sampled turn and the approval was a round of its own: five tools/call requests, no session.
    expect(sampled).toHaveLength(3);
    expect(elicited).toHaveLength(1);
    expect(elicited[0]).toContain('Subject: Refund by phone');
    expect(posts).toHaveLength(5);
    expect(posts.slice(1).every((p) => p.includes('"requestState"') && p.includes('"inputResponses"'))).toBe(true);
    // The client's model got the agent's tools, and the search result on its second turn.
    expect(sampled[0]?.tools?.map((t) => t.name)).toEqual(expect.arrayContaining(['kb_search', 'ticket_create']));
    expect(JSON.stringify(sampled[1]?.messages)).toMatch(/tool_result/);
    const after = Number(
      (await check.query<{ n: number }>('SELECT count(*)::int AS n FROM support_tickets WHERE customer_id = 15'))
        .rows[0]?.n,
    );
    expect(after).toBe(before + 1);
  } finally {
    await client.close();
  }
});
