// Issue 17, "Done when" (support): a support task whose server is SIGKILLed right after its approved ticket_create
// step completes finishes once the server is started again, with exactly one ticket. The http-server (the built
// main.js) runs on a PostgreSQL database of its own loaded with the sample data, with durable runs (DATABASE_URL) and
// a short recovery delay; a 2026-07-28 client calls `support` as a task (tasks extension), approves the write with
// tasks/update, and the process is killed while the model turn after the write is in flight. The process started
// again resumes the run: the write and its approval come from the record, only the turn in flight is asked again.
// What the run's tools did before the kill (the articles found, the ticket opened, the reply posted) comes back
// from their recorded steps, so the result reports them as an uninterrupted run would. And a 2025-11-25 task, whose
// run executes on the replica that took the call, asks its client for approval on the session the call came on
// (through its run, as tasks-legacy-questions.spec checks across replicas), though the client only polls tasks/get.
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  GetTaskResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { hangTurn, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';
import { approve, modernRequest as modern, taskEnded, taskUntil, unansweredKeys } from './spec-helpers/modern-requests';
import { createSupportReplicas, type SupportReplicas } from './spec-helpers/support-replicas';

jest.setTimeout(150_000);

let fx: SupportReplicas;
beforeAll(async () => {
  fx = await createSupportReplicas({ DATABASE_TOOLS: 'true' });
});
afterAll(() => fx?.close());

/** Waits for the task's next question (an approval) and answers yes through tasks/update. */
async function approveNext(base: string, taskId: string, answered: Set<string>): Promise<void> {
  const asking = await taskUntil(base, taskId, (t) => unansweredKeys(t, answered).length > 0, 30_000);
  const [key] = unansweredKeys(asking, answered);
  expect(key).toMatch(/^elicitation-[0-9a-f]{8}$/);
  answered.add(key as string);
  expect((await approve(base, taskId, key as string)).error).toBeUndefined();
}

/** The help-centre article the scripted answer cites, as the result lists it. */
async function refundPolicy(): Promise<{ id: number; slug: string; title: string }> {
  const { rows } = await fx.check.query<{ id: number; slug: string; title: string }>(
    "SELECT id, slug, title FROM kb_articles WHERE tenant_id = 'acme' AND slug = 'refund-policy'",
  );
  return rows[0] as { id: number; slug: string; title: string };
}

// Each test's runs go to its own servers only: a server left from an earlier test would dequeue them too.
afterEach(() => fx.killReplicas());

it('writes exactly one ticket when the server dies right after the approved ticket_create step', async () => {
  const first = await fx.startReplica();
  fx.model.reset();
  const policy = await refundPolicy();
  fx.model.enqueue(
    toolCallTurn({ name: 'kb_search', arguments: { query: 'refund policy money back' } }),
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Killed after', body: 'Please call me.' } }),
    hangTurn(), // the turn after the write, in flight when the process dies
    textTurn(`Refunds are explained in [kb:${policy.id}]. A colleague will call you back.`),
  );
  const before = await fx.ticketsOf(8);
  const created = await modern(first.base, 'tools/call', {
    name: 'support',
    arguments: { message: `Call me back (${randomUUID()}).`, customerId: 8 },
  });
  expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
  const taskId = String(created.result?.['taskId']);

  await approveNext(first.base, taskId, new Set());

  // The next model request comes once the ticket_create step is recorded: the process dies there.
  await fx.model.waitForRequest(2, 30_000);
  expect(await fx.ticketsOf(8)).toBe(before + 1);
  first.child.kill('SIGKILL');
  await first.exited;

  const second = await fx.startReplica();
  const done = await taskUntil(second.base, taskId, taskEnded, 60_000);
  expect(done).toMatchObject({
    status: 'completed',
    result: {
      structuredContent: {
        status: 'answered',
        // Found by the kb_search call before the kill: the citation is kept, not dropped.
        articlesCited: [policy],
        ticketCreated: { created: true },
        actions: [
          { tool: 'kb_search', ok: true, detail: expect.stringMatching(/article\(s\)$/) },
          { tool: 'ticket_create', ok: true, detail: expect.stringMatching(/^ticket \d+$/) },
        ],
      },
    },
  });
  expect(await fx.ticketsOf(8)).toBe(before + 1);
  // Turns 1 and 2 asked once, turn 3 twice (in flight at the kill, then on the resumed run); no new question.
  expect(fx.model.requests).toHaveLength(4);
});

it('reports the reply posted before the server died, and posts it once', async () => {
  const first = await fx.startReplica();
  fx.model.reset();
  fx.model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Reply then die', body: 'Where is my order?' } }),
    toolCallTurn({ name: 'ticket_reply', arguments: { body: 'We are looking into it.' } }),
    hangTurn(), // the turn after the reply, in flight when the process dies
    textTurn('We replied on your ticket.'),
  );
  const created = await modern(first.base, 'tools/call', {
    name: 'support',
    arguments: { message: `Where is my order (${randomUUID()})?`, customerId: 8 },
  });
  const taskId = String(created.result?.['taskId']);
  const answered = new Set<string>();
  await approveNext(first.base, taskId, answered); // the ticket
  await approveNext(first.base, taskId, answered); // the reply
  await fx.model.waitForRequest(2, 30_000);
  first.child.kill('SIGKILL');
  await first.exited;

  const second = await fx.startReplica();
  const done = await taskUntil(second.base, taskId, taskEnded, 60_000);
  const out = (done?.['result'] as { structuredContent?: Record<string, unknown> } | undefined)?.structuredContent;
  const ticket = (out?.['ticketCreated'] as { id: number } | undefined)?.id;
  expect(out).toMatchObject({
    status: 'answered',
    ticketCreated: { id: expect.any(Number), created: true },
    replied: { ticketId: ticket, messageId: expect.any(Number) },
    actions: [
      { tool: 'ticket_create', ok: true, detail: `ticket ${ticket}` },
      { tool: 'ticket_reply', ok: true, detail: expect.stringMatching(new RegExp(`^ticket ${ticket}, message \\d+$`)) },
    ],
  });
  // The ticket's first message and the one reply, each written once.
  const { rows } = await fx.check.query<{ author: string }>(
    'SELECT author FROM ticket_messages WHERE ticket_id = $1 ORDER BY id',
    [ticket],
  );
  expect(rows.map((r) => r.author)).toEqual(['customer', 'agent']);
  expect(fx.model.requests).toHaveLength(4);
});

it("asks a 2025-11-25 task's client through the session its call came on, when the run executes on that replica", async () => {
  const server = await fx.startReplica();
  fx.model.reset();
  fx.model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Asked live', body: 'Please call me.' } }),
    textTurn('A colleague will call you back.'),
  );
  const asked: string[] = [];
  const client = new Client(
    { name: 'support-resume', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(String(request.params.message));
    return { action: 'accept', content: { confirm: true } };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
  try {
    const created = await client.request(
      {
        method: 'tools/call',
        params: {
          name: 'support',
          arguments: { message: `Call me back (${randomUUID()}).`, customerId: 8 },
          task: {},
        },
      },
      CreateTaskResultSchema,
    );
    const { taskId } = created.task;
    let status = created.task.status;
    // input_required while it waits for the approval, which the run's replica asks at once on the session.
    for (const started = Date.now(); status !== 'completed' && Date.now() - started < 30_000;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).status;
    }
    expect(status).toBe('completed');
    const result = await client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
    // Approved by the client on its session, not left as a pending confirmation for support_confirm.
    expect(result.structuredContent).toMatchObject({ status: 'answered', ticketCreated: { created: true } });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('Open a ticket for customer 8');
    // It ran as a recorded run of the queue (finished a moment after the task: the outcome is stored from inside it).
    const runStatus = async () =>
      (
        await fx.check.query<{ status: string }>(
          'SELECT status FROM agent_runs.workflow_status WHERE workflow_uuid = $1',
          [taskId],
        )
      ).rows[0]?.status;
    let run = await runStatus();
    for (const started = Date.now(); run === 'PENDING' && Date.now() - started < 10_000; run = await runStatus())
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(run).toBe('SUCCESS');
  } finally {
    await client.close();
  }
});
