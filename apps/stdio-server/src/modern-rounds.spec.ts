// A desktop client on MCP 2026-07-28 over real stdio, with no OpenAI key on the server (the built app on its
// defaults: the embedded database with the sample data): the support agent runs on the client's own model through
// sampling, each model turn an `input_required` round the SDK v2 client (pinned to 2026-07-28) answers by retrying,
// and its approval is one more round; the ticket is written once, and a client without elicitation gets the
// pending confirmation instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import {
  answerTurn,
  type DesktopCallResult,
  expectApprovedSupportRun,
  type SampledTurn,
  samplingDesktop,
  toolUseTurn,
} from '@agent-mcp/app-suites';

jest.setTimeout(120_000);

const MAIN = path.resolve(__dirname, '../dist/main.js');

let dataHome: string;
beforeAll(async () => {
  dataHome = await mkdtemp(path.join(tmpdir(), 'stdio-modern-rounds-'));
});
afterAll(async () => {
  await rm(dataHome, { recursive: true, force: true });
});

/** The stdio app with no key, and a 2026-07-28 desktop client answering from `script` (approving, if `approve`). */
async function startDesktop(script: SampledTurn[], approve: boolean) {
  const env = { ...process.env, XDG_DATA_HOME: dataHome, OPENAI_API_KEY: '', LOG_LEVEL: 'error' } as Record<
    string,
    string
  >;
  delete env['DATABASE_URL'];
  const desktop = samplingDesktop(script, { approve });
  const { client, sampled } = desktop;
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' }));
  const call = (name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args }, { timeout: 90_000 }) as Promise<DesktopCallResult>;
  const openTickets = async (customerId: number) =>
    ((await call('customer_lookup', { customerId })).structuredContent as { customer: { openTickets: number } })
      .customer.openTickets;
  return { desktop, client, call, openTickets, sampled };
}

it("runs the support agent on the client's model over sampling rounds, its approval a round too", async () => {
  const { desktop, client, call, openTickets } = await startDesktop(
    [
      toolUseTurn('tu_1', 'kb_search', { query: 'refund' }),
      toolUseTurn('tu_2', 'ticket_create', {
        subject: 'Refund call',
        body: 'Please call the customer about a refund.',
      }),
      answerTurn('A colleague will call you about the refund.'),
    ],
    true,
  );
  try {
    expect(client.getProtocolEra()).toBe('modern');
    const before = await openTickets(12);
    const result = await call('support', { message: 'Please call me about my refund.', customerId: 12 });
    expectApprovedSupportRun(desktop, result, {
      answer: 'A colleague will call you about the refund.',
      approval: 'Open a ticket for customer 12\nSubject: Refund call',
    });
    expect(await openTickets(12)).toBe(before + 1);
  } finally {
    await client.close();
  }
});

it('gives a client without elicitation the pending confirmation, after its sampled turns', async () => {
  const { client, call, openTickets, sampled } = await startDesktop(
    [toolUseTurn('tu_1', 'ticket_create', { subject: 'Pending call', body: 'Please call the customer.' })],
    false,
  );
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
