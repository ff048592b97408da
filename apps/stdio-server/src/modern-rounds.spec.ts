// A desktop client on MCP 2026-07-28 over real stdio, with no OpenAI key on the server (the built app on its
// defaults: the embedded database with the sample data): the support agent runs on the client's own model through
// sampling, each model turn an `input_required` round the SDK v2 client (pinned to 2026-07-28) answers by retrying,
// and its approval is one more round; the ticket is written once, and a client without elicitation gets the
// pending confirmation instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

jest.setTimeout(120_000);

const MAIN = path.resolve(__dirname, '../dist/main.js');

type Sampled = { role: 'assistant'; model: string; stopReason: string; content: unknown };
type CallResult = { structuredContent?: Record<string, unknown>; _meta?: Record<string, unknown> };
const toolUse = (id: string, name: string, input: Record<string, unknown>): Sampled => ({
  role: 'assistant',
  model: 'desktop-model',
  stopReason: 'toolUse',
  content: [{ type: 'tool_use', id, name, input }],
});
const text = (t: string): Sampled => ({
  role: 'assistant',
  model: 'desktop-model',
  stopReason: 'endTurn',
  content: { type: 'text', text: t },
});

let dataHome: string;
beforeAll(async () => {
  dataHome = await mkdtemp(path.join(tmpdir(), 'stdio-modern-rounds-'));
});
afterAll(async () => {
  await rm(dataHome, { recursive: true, force: true });
});

/** The stdio app with no key, and a 2026-07-28 desktop client answering from `script` (and `elicit`, if given). */
async function desktop(script: Sampled[], elicit?: (message: string) => void) {
  const env = { ...process.env, XDG_DATA_HOME: dataHome, OPENAI_API_KEY: '', LOG_LEVEL: 'error' } as Record<
    string,
    string
  >;
  delete env['DATABASE_URL'];
  const sampled: unknown[] = [];
  const client = new Client(
    { name: 'desktop-v2', version: '1.0.0' },
    {
      versionNegotiation: { mode: { pin: '2026-07-28' } },
      capabilities: { sampling: { tools: {} }, ...(elicit ? { elicitation: { form: {} } } : {}) },
    },
  );
  client.setRequestHandler('sampling/createMessage', async (request) => {
    sampled.push(request.params);
    const next = script[sampled.length - 1];
    if (!next) throw new Error('the scripted client model has no more answers');
    return next as never;
  });
  if (elicit)
    client.setRequestHandler('elicitation/create', async (request) => {
      elicit(String(request.params.message));
      return { action: 'accept', content: { confirm: true } };
    });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' }));
  const call = (name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args }, { timeout: 90_000 }) as Promise<CallResult>;
  const openTickets = async (customerId: number) =>
    ((await call('customer_lookup', { customerId })).structuredContent as { customer: { openTickets: number } })
      .customer.openTickets;
  return { client, call, openTickets, sampled };
}

it("runs the support agent on the client's model over sampling rounds, its approval a round too", async () => {
  const asked: string[] = [];
  const { client, call, openTickets, sampled } = await desktop(
    [
      toolUse('tu_1', 'kb_search', { query: 'refund' }),
      toolUse('tu_2', 'ticket_create', { subject: 'Refund call', body: 'Please call the customer about a refund.' }),
      text('A colleague will call you about the refund.'),
    ],
    (message) => asked.push(message),
  );
  try {
    expect(client.getProtocolEra()).toBe('modern');
    const before = await openTickets(12);
    const result = await call('support', { message: 'Please call me about my refund.', customerId: 12 });
    expect(result.structuredContent).toMatchObject({
      status: 'answered',
      answer: 'A colleague will call you about the refund.',
      ticketCreated: { created: true },
    });
    expect(result._meta).toMatchObject({
      agentRun: { status: 'completed', modelSource: 'client-sampling', model: 'desktop-model', turns: 3 },
    });
    // Each turn was asked once (a round of its own), and the approval once, about the exact ticket.
    expect(sampled).toHaveLength(3);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('Open a ticket for customer 12\nSubject: Refund call');
    expect(await openTickets(12)).toBe(before + 1);
  } finally {
    await client.close();
  }
});

it('gives a client without elicitation the pending confirmation, after its sampled turns', async () => {
  const { client, call, openTickets, sampled } = await desktop([
    toolUse('tu_1', 'ticket_create', { subject: 'Pending call', body: 'Please call the customer.' }),
  ]);
  try {
    const before = await openTickets(13);
    const result = await call('support', { message: 'Have someone call me.', customerId: 13 });
    expect(result.structuredContent).toMatchObject({
      status: 'pending_confirmation',
      confirmationId: expect.stringMatching(/^cf_/),
    });
    expect(sampled).toHaveLength(1);
    expect(await openTickets(13)).toBe(before);
  } finally {
    await client.close();
  }
});
