// Issue 17, item 4 (one mechanism for every kind of waiting), for 2025-11-25 calls that are not tasks: with durable
// runs (DATABASE_URL), a legacy `tools/call` of an agent tool is a recorded run, and its questions to the client (the
// support approval through elicitation, the agent's turns on the client's model through sampling) go through the
// run's mailbox: the run records the question and waits; the replica holding the client's request asks on the call's
// stream and posts the answer into the run, where it is a recorded step. http-server processes (the built main.js) on
// a PostgreSQL database of their own with the sample data; the SDK v1 client on a 2025-11-25 session over real HTTP;
// the scripted OpenAI-compatible server counts model requests; tickets are counted in PostgreSQL.
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type CreateMessageResult,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { answerTurn, type SampledTurn, toolUseTurn } from '@agent-mcp/app-suites';
import { hangTurn, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';
import { createSupportReplicas, type SupportReplicas } from './spec-helpers/support-replicas';

jest.setTimeout(150_000);

let fx: SupportReplicas;
beforeAll(async () => {
  fx = await createSupportReplicas();
});
afterAll(() => fx?.close());

/** A 2025-11-25 desktop client that answers what it declares, counting each question. */
function legacyClient(answers: { sampled?: readonly SampledTurn[] }) {
  const elicited: string[] = [];
  const sampled: unknown[] = [];
  const client = new Client(
    { name: 'legacy-desktop', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, ...(answers.sampled ? { sampling: { tools: {} } } : {}) } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    elicited.push(String(request.params.message));
    return { action: 'accept', content: { confirm: true } };
  });
  if (answers.sampled) {
    const script = answers.sampled;
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      sampled.push(request.params);
      const next = script[sampled.length - 1];
      if (!next) throw new Error('the desktop model has no more answers');
      return next as CreateMessageResult;
    });
  }
  return { client, elicited, sampled };
}

/**
 * The runs of calls that asked their client something, held by one of `executors` (the servers of the test), with
 * where each is and the answers posted into it.
 */
const askingRuns = async (executors: readonly string[]) =>
  (
    await fx.check.query<{ run_id: string; executor_id: string; status: string; answers: string[] }>(
      `SELECT w.workflow_uuid AS run_id, w.executor_id, w.status,
              array(SELECT m.message_key FROM agent_runs.run_messages m
                     WHERE m.run_id = w.workflow_uuid ORDER BY m.sent_at) AS answers
         FROM agent_runs.workflow_status w
        WHERE w.executor_id = ANY($1::text[])
          AND EXISTS (SELECT 1 FROM agent_runs.run_events e WHERE e.run_id = w.workflow_uuid AND e.key = 'input')`,
      [executors],
    )
  ).rows;

/** {@link askingRuns} once there are some and none is pending any more (bounded: 60 s). */
async function runsOnceSettled(executors: readonly string[]): Promise<Awaited<ReturnType<typeof askingRuns>>> {
  for (const deadline = Date.now() + 60_000; ;) {
    const runs = await askingRuns(executors);
    const settled = runs.length > 0 && runs.every((r) => r.status !== 'PENDING' && r.status !== 'ENQUEUED');
    if (settled || Date.now() > deadline) return runs;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The steps a run recorded whose names match `like`. */
const stepsOf = async (runId: string, like: string) =>
  (
    await fx.check.query<{ step: string }>(
      'SELECT step FROM agent_runs.run_steps WHERE run_id = $1 AND step LIKE $2 ORDER BY step',
      [runId, like],
    )
  ).rows.map((r) => r.step);

// Each test's runs go to its own servers only: a live server of an earlier test could take a killed one's runs.
afterEach(() => fx.killReplicas());

it("asks a legacy call's approval through its run; resumed after a SIGKILL, the run neither asks again nor writes twice", async () => {
  const a = await fx.startReplica();
  fx.model.reset();
  fx.model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Legacy, killed after', body: 'Call me.' } }),
    hangTurn(), // the turn after the write, in flight when A dies
    textTurn('A colleague will call you back.'),
  );
  const before = await fx.ticketsOf(8);
  const desktop = legacyClient({});
  await desktop.client.connect(new StreamableHTTPClientTransport(new URL(`${a.base}/mcp`)));
  try {
    const call = desktop.client
      .callTool({ name: 'support', arguments: { message: `Call me back (${randomUUID()}).`, customerId: 8 } })
      .then(
        () => 'answered',
        () => 'failed',
      );
    await fx.model.waitForRequest(1, 30_000);
    // Approved on the call's stream, the answer posted into the run's mailbox, the ticket written once.
    expect(desktop.elicited).toHaveLength(1);
    expect(desktop.elicited[0]).toContain('Open a ticket for customer 8');
    expect(await fx.ticketsOf(8)).toBe(before + 1);
    const [run, ...others] = await askingRuns([a.executorId]);
    expect(others).toEqual([]);
    expect(run).toMatchObject({
      executor_id: a.executorId,
      status: 'PENDING',
      answers: [expect.stringMatching(/^answer:/)],
    });
    const runId = (run as { run_id: string }).run_id;
    expect(await stepsOf(runId, 'wait.input.%')).toHaveLength(1);
    expect(await stepsOf(runId, 'run.1/turn.1.approval.%')).toHaveLength(1);

    a.child.kill('SIGKILL');
    await a.exited;

    const b = await fx.startReplica();
    const resumed = await runsOnceSettled([b.executorId]);
    expect(resumed).toEqual([
      { run_id: runId, executor_id: b.executorId, status: 'SUCCESS', answers: [expect.stringMatching(/^answer:/)] },
    ]);
    // The approval came from the run's record: the client was not asked again, nothing was written twice.
    expect(desktop.elicited).toHaveLength(1);
    expect(await fx.ticketsOf(8)).toBe(before + 1);
    // Turn 1 asked once; turn 2 in flight at the kill, then asked again on B.
    expect(fx.model.requests).toHaveLength(3);
    // The client's request ended with A (closing the client settles it rather than its 60 s timeout).
    await desktop.client.close();
    expect(await call).toBe('failed');
  } finally {
    await desktop.client.close().catch(() => undefined);
  }
});

it("takes a legacy call's sampled turns and approval through its run, and answers the call with the run's result", async () => {
  // No key: each model turn is a sampling request to the client, asked by the replica holding the call.
  const c = await fx.startReplica({ OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
  fx.model.reset();
  const desktop = legacyClient({
    sampled: [
      toolUseTurn('tu_1', 'kb_search', { query: 'refund' }),
      toolUseTurn('tu_2', 'ticket_create', { subject: 'Legacy refund by phone', body: 'Please call about a refund.' }),
      answerTurn('A colleague will call you.'),
    ],
  });
  await desktop.client.connect(new StreamableHTTPClientTransport(new URL(`${c.base}/mcp`)));
  try {
    const before = await fx.ticketsOf(15);
    const result = await desktop.client.callTool(
      { name: 'support', arguments: { message: `Call me about my refund (${randomUUID()}).`, customerId: 15 } },
      undefined,
      { timeout: 90_000 },
    );
    expect(result.structuredContent).toMatchObject({
      status: 'answered',
      answer: 'A colleague will call you.',
      ticketCreated: { created: true },
    });
    expect(result._meta).toMatchObject({
      agentRun: { status: 'completed', modelSource: 'client-sampling', model: 'desktop-model', turns: 3 },
    });
    expect(desktop.sampled).toHaveLength(3);
    expect(desktop.elicited).toHaveLength(1);
    expect(await fx.ticketsOf(15)).toBe(before + 1);
    expect(fx.model.requests).toHaveLength(0);
    // Three sampled turns and one approval: four questions, each answered into the run once and recorded there.
    const runs = await runsOnceSettled([c.executorId]);
    expect(runs).toEqual([
      {
        run_id: expect.any(String),
        executor_id: c.executorId,
        status: 'SUCCESS',
        answers: Array.from({ length: 4 }, () => expect.stringMatching(/^answer:/)),
      },
    ]);
    const runId = (runs[0] as { run_id: string }).run_id;
    expect(await stepsOf(runId, 'wait.input.%')).toHaveLength(4);
    expect(await stepsOf(runId, 'run.1/turn.%.model')).toEqual([
      'run.1/turn.1.model',
      'run.1/turn.2.model',
      'run.1/turn.3.model',
    ]);
  } finally {
    await desktop.client.close();
  }
});

it('cancels the run of a legacy call cancelled while its client is being asked, and writes nothing', async () => {
  const e = await fx.startReplica();
  fx.model.reset();
  fx.model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Legacy, cancelled', body: 'Call me.' } }),
    textTurn('Not reached.'),
  );
  const before = await fx.ticketsOf(9);
  const asked: string[] = [];
  const controller = new AbortController();
  const client = new Client(
    { name: 'legacy-desktop', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  // The user never answers: the client cancels the call while the approval is open.
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(String(request.params.message));
    controller.abort();
    return new Promise(() => undefined);
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${e.base}/mcp`)));
  try {
    const call = client.callTool(
      { name: 'support', arguments: { message: `Call me back (${randomUUID()}).`, customerId: 9 } },
      undefined,
      { signal: controller.signal },
    );
    await expect(call).rejects.toThrow();
    expect(asked).toHaveLength(1);
    const runs = await runsOnceSettled([e.executorId]);
    // Ended here, never to resume: cancelled, or finished first with the cancellation as its outcome (the request
    // stops the run in this process at once, then cancels its record).
    expect(runs).toEqual([
      {
        run_id: expect.any(String),
        executor_id: e.executorId,
        status: expect.stringMatching(/^(CANCELLED|SUCCESS)$/),
        answers: [],
      },
    ]);
    expect(await fx.ticketsOf(9)).toBe(before);
    expect(fx.model.requests).toHaveLength(1);
  } finally {
    await client.close();
  }
});
