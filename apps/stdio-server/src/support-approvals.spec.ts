// Approvals (issue 8, item 5) as a desktop user meets them: the built stdio app on its defaults (embedded
// database with the sample data), no OpenAI key, a desktop client over real stdio lending its own model through
// sampling. A client with elicitation is shown the exact ticket and its accept writes one; a client without
// elicitation gets a pending confirmation that support_confirm writes once, and a second confirm writes nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  type CreateMessageRequest,
  CreateMessageRequestSchema,
  type CreateMessageResultWithTools,
  type ElicitRequest,
  ElicitRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

jest.setTimeout(120_000);

const MAIN = path.resolve(__dirname, '../dist/main.js');

type CallResult = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content?: Array<{ type: string; text?: string }>;
  _meta?: Record<string, unknown>;
};

let dataHome: string;
let client: Client;
const elicited: ElicitRequest['params'][] = [];
const sampled: CreateMessageRequest['params'][] = [];
/** What the desktop model answers next: a ticket_create tool call, then a closing sentence. */
let script: CreateMessageResultWithTools[] = [];

const ticketTurn = (subject: string): CreateMessageResultWithTools => ({
  model: 'desktop-model',
  role: 'assistant',
  stopReason: 'toolUse',
  content: [
    {
      type: 'tool_use',
      id: `tu_${subject.length}`,
      name: 'ticket_create',
      input: { subject, body: `${subject}: please call the customer back.` },
    },
  ],
});
const closing: CreateMessageResultWithTools = {
  model: 'desktop-model',
  role: 'assistant',
  stopReason: 'endTurn',
  content: [{ type: 'text', text: 'A colleague will call you back.' }],
};

beforeAll(async () => {
  dataHome = await mkdtemp(path.join(tmpdir(), 'stdio-approvals-'));
  const env = { ...process.env, XDG_DATA_HOME: dataHome, OPENAI_API_KEY: '', LOG_LEVEL: 'error' } as Record<
    string,
    string
  >;
  delete env['DATABASE_URL'];
  // A desktop client that answers both kinds of question: its model (sampling) and its user (elicitation).
  client = new Client(
    { name: 'desktop', version: '1.0.0' },
    { capabilities: { sampling: { tools: {} }, elicitation: { form: {} } } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    sampled.push(request.params);
    return script.shift() ?? closing;
  });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    elicited.push(request.params);
    return { action: 'accept', content: { confirm: true } };
  });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' }));
});
afterAll(async () => {
  await client?.close();
  await rm(dataHome, { recursive: true, force: true });
});

const call = (c: Client, name: string, args: Record<string, unknown>) =>
  c.callTool({ name, arguments: args }, undefined, { timeout: 90_000 }) as Promise<CallResult>;
/** The customer's open tickets, as the app reports them (the app holds the embedded database). */
const openTickets = async (c: Client, customerId: number) =>
  ((await call(c, 'customer_lookup', { customerId })).structuredContent as { customer: { openTickets: number } })
    .customer.openTickets;

it('with elicitation, shows the exact ticket and its accept writes one, on the client’s own model', async () => {
  script = [ticketTurn('Call me back'), closing];
  const before = await openTickets(client, 12);
  const result = await call(client, 'support', { message: 'Please have someone call me.', customerId: 12 });
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toMatchObject({
    status: 'answered',
    answer: 'A colleague will call you back.',
    ticketCreated: { created: true },
  });
  // The call belongs to a thread the app keeps in its embedded database.
  expect(result._meta).toMatchObject({
    agentRun: {
      status: 'completed',
      modelSource: 'client-sampling',
      model: 'desktop-model',
      threadId: expect.any(String),
    },
  });
  expect(elicited).toHaveLength(1);
  expect(elicited[0]?.message).toContain(
    'Open a ticket for customer 12\nSubject: Call me back\nPriority: normal\nFirst message:\nCall me back: please call the customer back.',
  );
  expect(await openTickets(client, 12)).toBe(before + 1);
});

it('without elicitation, leaves a pending confirmation that support_confirm writes once', async () => {
  const env = { ...process.env, XDG_DATA_HOME: dataHome, OPENAI_API_KEY: '', LOG_LEVEL: 'error' } as Record<
    string,
    string
  >;
  delete env['DATABASE_URL'];
  // A second desktop client that cannot be asked. The first app holds the embedded database, so close it first.
  await client.close();
  const plain = new Client({ name: 'plain-desktop', version: '1.0.0' }, { capabilities: { sampling: { tools: {} } } });
  plain.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    sampled.push(request.params);
    return script.shift() ?? closing;
  });
  await plain.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' }));
  try {
    script = [ticketTurn('Refund by phone')];
    const before = await openTickets(plain, 13);
    const pending = await call(plain, 'support', { message: 'I want my refund sorted by phone.', customerId: 13 });
    expect(pending.isError).toBeFalsy();
    const out = pending.structuredContent as { status: string; confirmationId: string; proposedAction: unknown };
    expect(out).toMatchObject({
      status: 'pending_confirmation',
      proposedAction: {
        tool: 'ticket_create',
        arguments: { customerId: 13, subject: 'Refund by phone', priority: 'normal' },
      },
      confirmationId: expect.stringMatching(/^cf_/),
    });
    expect(pending._meta).toMatchObject({ agentRun: { status: 'interrupted', modelSource: 'client-sampling' } });
    expect(await openTickets(plain, 13)).toBe(before);

    const sampledBefore = sampled.length;
    const confirmed = await call(plain, 'support_confirm', { confirmationId: out.confirmationId, approve: true });
    expect(confirmed.structuredContent).toMatchObject({
      status: 'written',
      action: out.proposedAction,
      ticketCreated: { created: true },
    });
    expect(await openTickets(plain, 13)).toBe(before + 1);
    const again = await call(plain, 'support_confirm', { confirmationId: out.confirmationId, approve: true });
    expect(again).toMatchObject({ isError: true, _meta: { error: { code: 'CONFIRMATION_USED' } } });
    expect(await openTickets(plain, 13)).toBe(before + 1);
    // Confirming ran no model.
    expect(sampled.length).toBe(sampledBefore);
  } finally {
    await plain.close();
  }
});
