// The agent tools with no OpenAI key, for an MCP 2026-07-28 client (issue 15 item 4): the run goes on the
// client's own model through sampling, and since the server sends a modern client no request, each model turn is
// an `input_required` round the client answers by retrying. A support run of three sampled turns and an approval
// completes over five rounds, the ticket written once; the SDK v2 client pinned to 2026-07-28 over real HTTP.
import { randomUUID } from 'node:crypto';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  answerTurn,
  type DesktopCallResult,
  expectApprovedSupportRun,
  samplingDesktop,
  toolUseTurn,
} from '@agent-mcp/app-suites';
import { createOpenAIProvider } from '@agent-mcp/agent-core';
import { noopLogger, type SqlClient } from '@agent-mcp/context';
import { McpServer } from '@agent-mcp/mcp-core';
import { createSupportTools } from '@agent-mcp/tools-support';
import { type HttpTestServer, serveOverHttp } from '@agent-mcp/mcp-core/testing';
import { createSampleDatabaseTools, type SampleDatabaseTools } from './spec-helpers/sample-database-tools';

jest.setTimeout(120_000);

let sample: SampleDatabaseTools;
let check: SqlClient;
let served: HttpTestServer;
let url: URL;

beforeAll(async () => {
  sample = await createSampleDatabaseTools('tsround');
  check = sample.check;
  const server = new McpServer({ name: 'sampling-rounds-spec', version: '1.0.0', logger: noopLogger });
  // No key: the provider says so on the first model request, and the run moves to the client's model.
  const modelProvider = createOpenAIProvider({ env: {} });
  createSupportTools({ sql: sample.database.sql, env: {}, modelProvider }).register(server);
  served = await serveOverHttp(server);
  url = served.url;
});

afterAll(async () => {
  await served?.close();
  await sample?.close();
});

it("runs the support agent on the client's model, one round per sampled turn, and writes the ticket once", async () => {
  const posts: string[] = [];
  const desktop = samplingDesktop(
    [
      toolUseTurn('tu_1', 'kb_search', { query: 'refund' }),
      toolUseTurn('tu_2', 'ticket_create', {
        subject: 'Refund by phone',
        body: 'Please call the customer about a refund.',
      }),
      answerTurn('A colleague will call you.'),
    ],
    { approve: true },
  );
  const { client, sampled } = desktop;
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
    )) as DesktopCallResult;
    expectApprovedSupportRun(desktop, result, {
      answer: 'A colleague will call you.',
      approval: 'Subject: Refund by phone',
    });
    // Each sampled turn and the approval was a round of its own: five tools/call requests, no session.
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
