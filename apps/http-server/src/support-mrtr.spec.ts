// The support agent's approval for an MCP 2026-07-28 client (issue 15 item 4): the write is stored as a pending
// confirmation, the call answers `input_required` with an elicitation keyed `approve-<confirmationId>`, and the
// client's retry continues the same run from the kept model turns (the write is not planned by a second model
// request) and writes the ticket exactly once, spending the confirmation. Over real Streamable HTTP with the SDK v2
// client pinned to 2026-07-28, raw JSON-RPC where the rounds themselves are checked, on a real PostgreSQL.
import { randomUUID } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createOpenAIProvider } from '@agent-mcp/agent-core';
import { createScriptedServer, type ScriptedServer, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';
import { noopLogger, type SqlClient } from '@agent-mcp/context';
import { createPipeline, McpServer } from '@agent-mcp/mcp-core';
import { createSupportTools } from '@agent-mcp/tools-support';
import {
  type HttpTestServer,
  MODERN_VERSION,
  modernEnvelope,
  postModern,
  serveOverHttp,
} from '@agent-mcp/mcp-core/testing';
import { createSampleDatabaseTools, type SampleDatabaseTools } from './spec-helpers/sample-database-tools';

jest.setTimeout(120_000);

const TENANT = 'acme';

type ElicitAnswer = {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, string | number | boolean | string[]>;
};
interface Reply {
  readonly result?: Record<string, unknown> & {
    requestState?: string;
    inputRequests?: Record<string, { method: string; params: { message: string } }>;
    structuredContent?: Record<string, unknown>;
  };
  readonly error?: { code: number; message: string; data?: { code?: string } };
}

let sample: SampleDatabaseTools;
let check: SqlClient;
let scripted: ScriptedServer;
let served: HttpTestServer;
let url: URL;

beforeAll(async () => {
  sample = await createSampleDatabaseTools('tsmrtr');
  check = sample.check;
  scripted = await createScriptedServer({ apiKey: 'test-key' });

  const server = new McpServer({
    name: 'support-mrtr-spec',
    version: '1.0.0',
    logger: noopLogger,
    pipeline: createPipeline({
      authenticate: {
        authenticator: () => ({ id: `agent@${TENANT}`, tenantId: TENANT, scopes: ['*'], via: 'api_key' }),
      },
    }),
  });
  const modelProvider = createOpenAIProvider({ apiKey: 'test-key', baseURL: scripted.url, model: 'scripted', env: {} });
  createSupportTools({ sql: sample.database.sql, env: {}, modelProvider }).register(server);
  served = await serveOverHttp(server);
  url = served.url;
});

afterAll(async () => {
  await served?.close();
  await scripted?.close();
  await sample?.close();
});

/** The SDK v2 client pinned to 2026-07-28; with `answer`, it declared elicitation and answers so. */
async function modernClient(answer?: (message: string) => ElicitAnswer): Promise<Client> {
  const client = new Client(
    { name: 'support-mrtr-client', version: '1.0.0' },
    {
      versionNegotiation: { mode: { pin: MODERN_VERSION } },
      capabilities: answer ? { elicitation: { form: {} } } : {},
    },
  );
  if (answer) client.setRequestHandler('elicitation/create', async (request) => answer(String(request.params.message)));
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

/** One modern tools/call of `support`, as raw JSON-RPC. */
const rawCall = async (params: Record<string, unknown>, capabilities: Record<string, unknown>): Promise<Reply> =>
  (
    await postModern<Reply>(url, {
      method: 'tools/call',
      name: 'support',
      params: { name: 'support', ...params },
      meta: modernEnvelope(capabilities),
    })
  ).body;

const ticketsOf = async (customer: number) =>
  Number(
    (
      await check.query<{ n: number }>('SELECT count(*)::int AS n FROM support_tickets WHERE customer_id = $1', [
        customer,
      ])
    ).rows[0]?.n,
  );
/** Whether the confirmation is still pending (`pending`), spent (`used`), or not stored at all. */
const confirmationStatus = async (confirmationId: string) =>
  (
    await check.query<{ status: string }>(
      "SELECT CASE WHEN consumed_at IS NULL THEN 'pending' ELSE 'used' END AS status FROM agent_mcp_state.support_confirmations WHERE confirmation_id = $1",
      [confirmationId],
    )
  ).rows[0]?.status;

const createTurn = (subject: string) =>
  toolCallTurn({
    name: 'ticket_create',
    arguments: { subject, body: `${subject}: the customer asks for a person.`, priority: 'high' },
  });

describe('the support approval for a 2026-07-28 client', () => {
  it('answers input_required, and the retry writes the ticket once, with no second planning turn', async () => {
    const asked: string[] = [];
    const client = await modernClient((message) => {
      asked.push(message);
      return { action: 'accept', content: { confirm: true } };
    });
    try {
      scripted.reset();
      scripted.enqueue(createTurn('Call me back'), textTurn('A colleague will call you back today.'));
      const before = await ticketsOf(11);
      const result = (await client.callTool({
        name: 'support',
        arguments: { message: `Please call me back (${randomUUID()}).`, customerId: 11 },
      })) as { structuredContent?: Record<string, unknown>; _meta?: Record<string, unknown> };
      expect(result.structuredContent).toMatchObject({
        status: 'answered',
        answer: 'A colleague will call you back today.',
        ticketCreated: { created: true },
      });
      // One question, about the exact write; the model planned it once and wrote the answer once.
      expect(asked).toHaveLength(1);
      expect(asked[0]).toContain('Open a ticket for customer 11');
      expect(asked[0]).toContain('Subject: Call me back');
      expect(scripted.requests).toHaveLength(2);
      expect(await ticketsOf(11)).toBe(before + 1);
      expect(result._meta?.['agentRun']).toMatchObject({ status: 'completed', modelSource: 'server' });
    } finally {
      await client.close();
    }
  });

  it('the rounds on the wire: the question is keyed by the stored confirmation, and a replayed retry writes nothing', async () => {
    scripted.reset();
    scripted.enqueue(createTurn('Refund please'), textTurn('Your refund request is with a colleague.'));
    const args = { message: `I want a refund (${randomUUID()}).`, customerId: 12 };
    const before = await ticketsOf(12);
    const first = await rawCall({ arguments: args }, { elicitation: {} });
    expect(first.result).toMatchObject({ resultType: 'input_required' });
    const keys = Object.keys(first.result?.inputRequests ?? {});
    expect(keys).toEqual([expect.stringMatching(/^approve-cf_[0-9a-f]{32}$/)]);
    const key = keys[0] as string;
    expect(first.result?.inputRequests?.[key]).toMatchObject({
      method: 'elicitation/create',
      params: { message: expect.stringContaining('Subject: Refund please') },
    });
    const confirmationId = key.slice('approve-'.length);
    // Stored before the question, not written: the first round ended at it.
    expect(await confirmationStatus(confirmationId)).toBe('pending');
    expect(await ticketsOf(12)).toBe(before);
    expect(scripted.requests).toHaveLength(1);

    const retry = {
      arguments: args,
      inputResponses: { [key]: { action: 'accept', content: { confirm: true } } },
      requestState: first.result?.requestState,
    };
    const done = await rawCall(retry, { elicitation: {} });
    expect(done.result).toMatchObject({
      resultType: 'complete',
      structuredContent: { status: 'answered', ticketCreated: { created: true } },
    });
    expect(scripted.requests).toHaveLength(2);
    expect(await ticketsOf(12)).toBe(before + 1);
    expect(await confirmationStatus(confirmationId)).toBe('used');

    const replayed = await rawCall(retry, { elicitation: {} });
    expect(replayed.error).toMatchObject({ data: { code: 'REQUEST_STATE_REPLAYED' } });
    expect(await ticketsOf(12)).toBe(before + 1);
  });

  it('a decline writes nothing and discards the stored action, so support_confirm cannot write it later', async () => {
    scripted.reset();
    scripted.enqueue(createTurn('Not this one'), textTurn('never reached'));
    const args = { message: `Maybe open a ticket (${randomUUID()}).`, customerId: 13 };
    const before = await ticketsOf(13);
    const first = await rawCall({ arguments: args }, { elicitation: {} });
    const key = Object.keys(first.result?.inputRequests ?? {})[0] as string;
    const done = await rawCall(
      { arguments: args, inputResponses: { [key]: { action: 'decline' } }, requestState: first.result?.requestState },
      { elicitation: {} },
    );
    expect(done.result).toMatchObject({
      resultType: 'complete',
      structuredContent: { status: 'declined', answer: expect.stringContaining('You declined: nothing was written') },
    });
    expect(scripted.requests).toHaveLength(1);
    const client = await modernClient();
    try {
      const confirm = (await client.callTool({
        name: 'support_confirm',
        arguments: { confirmationId: key.slice('approve-'.length), approve: true },
      })) as { isError?: boolean; _meta?: Record<string, unknown> };
      expect(confirm).toMatchObject({ isError: true, _meta: { error: { code: 'CONFIRMATION_USED' } } });
    } finally {
      await client.close();
    }
    expect(await ticketsOf(13)).toBe(before);
  });

  it('a client without elicitation gets the pending confirmation, in one round', async () => {
    const client = await modernClient();
    try {
      scripted.reset();
      scripted.enqueue(createTurn('Pending one'), textTurn('never reached'));
      const result = (await client.callTool({
        name: 'support',
        arguments: { message: `Please have someone call (${randomUUID()}).`, customerId: 14 },
      })) as { structuredContent?: Record<string, unknown> };
      expect(result.structuredContent).toMatchObject({
        status: 'pending_confirmation',
        confirmationId: expect.stringMatching(/^cf_/),
      });
      expect(scripted.requests).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
