// Issue 17, item 1 (one mechanism for every kind of waiting), for 2025-11-25 tasks: a durable task's questions to
// its client (the support approval) go through its run. The run records the question and waits in its mailbox; the
// task shows input_required on tasks/get on every replica; whichever replica serves the client's tasks/result asks
// there (elicitation/create on that request's stream, tagged io.modelcontextprotocol/related-task, as the 2025-11-25
// tasks spec has it) and posts the answer, or why there is none, into the run, where it is a recorded step. The
// replica executing the run asks at once on the session the call came on, when that session is open there. The
// built main.js on a PostgreSQL database of its own with the sample data; the SDK v1 Client on 2025-11-25 sessions
// over real HTTP; the scripted OpenAI-compatible server counts model requests; tickets are counted in PostgreSQL.
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  type CreateMessageResult,
  CreateMessageRequestSchema,
  CreateTaskResultSchema,
  type ElicitResult,
  ElicitRequestSchema,
  GetTaskResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { answerTurn, type SampledTurn, toolUseTurn } from '@agent-mcp/app-suites';
import { hangTurn, type RecordedRequest, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';
import { createSupportReplicas, type SupportReplicas } from './spec-helpers/support-replicas';

jest.setTimeout(150_000);

const RELATED_TASK = 'io.modelcontextprotocol/related-task';

let fx: SupportReplicas;
const clients: Client[] = [];
beforeAll(async () => {
  fx = await createSupportReplicas();
});
afterAll(() => fx?.close());
// Each test's runs go to its own servers only: a live server of an earlier test could take a killed one's runs.
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => undefined);
  await fx.killReplicas();
});

/**
 * A 2025-11-25 client declaring form elicitation (and `sampling`, if given), answering each approval with `answer`;
 * what it was asked. `getStream: false`: it opens no GET stream (its GET is answered 405), so no replica can reach
 * it but on a request of its own: its task's questions wait for its tasks/result.
 */
async function desktop(
  base: string,
  answer: () => ElicitResult | Promise<ElicitResult>,
  more: { readonly sampling?: Record<string, unknown>; readonly getStream?: false } = {},
) {
  const asked: Array<{ message: string; relatedTask: unknown }> = [];
  const client = new Client(
    { name: 'legacy-desktop', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, ...(more.sampling ? { sampling: more.sampling } : {}) } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push({ message: String(request.params.message), relatedTask: request.params._meta?.[RELATED_TASK] });
    return answer();
  });
  const noGet: typeof fetch = (url, init) =>
    init?.method === 'GET' ? Promise.resolve(new Response(null, { status: 405 })) : fetch(url, init);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), more.getStream === false ? { fetch: noGet } : {}),
  );
  clients.push(client);
  return { client, asked };
}

const supportTask = async (client: Client, customerId: number) =>
  (
    await client.request(
      {
        method: 'tools/call',
        params: { name: 'support', arguments: { message: `Call me back (${randomUUID()}).`, customerId }, task: {} },
      },
      CreateTaskResultSchema,
    )
  ).task.taskId;

/** Polls tasks/get through `client` until the task has `status` (bounded: 60 s); the status it has then. */
async function taskReaches(client: Client, taskId: string, status: string): Promise<string> {
  let seen = '';
  for (const deadline = Date.now() + 60_000; seen !== status && Date.now() < deadline;) {
    seen = (await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).status;
    if (seen !== status) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

/** The task's run: where it is, and the keys of the messages posted into it. */
const runOf = (taskId: string) => fx.runOf(taskId);

/** {@link runOf} once it is no longer pending (bounded: 30 s): the outcome is stored from inside the run. */
async function runSettled(taskId: string): Promise<Awaited<ReturnType<typeof runOf>>> {
  for (const deadline = Date.now() + 30_000; ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const run = await runOf(taskId);
    if ((run && run.status !== 'PENDING' && run.status !== 'ENQUEUED') || Date.now() > deadline) return run;
  }
}

/** Which turn of the run a model request was for: turn n carries the outputs of the n-1 tool calls before it. */
const turnOf = (request: RecordedRequest) =>
  (request.body.input as Array<{ type?: string }>).filter((item) => item.type === 'function_call_output').length + 1;

it('asks the approval of a task resumed on another replica on tasks/result served by a third, and writes once', async () => {
  const a = await fx.startReplica();
  fx.model.reset();
  fx.model.enqueue(
    hangTurn(), // turn 1, in flight when A dies
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Task resumed, asked on C', body: 'Call me.' } }),
    textTurn('A colleague will call you back.'),
  );
  const before = await fx.ticketsOf(8);
  const creator = await desktop(a.base, () => ({ action: 'accept', content: { confirm: true } }));
  const taskId = await supportTask(creator.client, 8);
  await fx.model.waitForRequest(0, 30_000);
  a.child.kill('SIGKILL');
  await a.exited;

  // B resumes the run; its approval has no client there to ask: the run waits, the task input_required.
  const b = await fx.startReplica();
  // Started once B holds the run, so that the run is on B and the client's requests on C.
  for (const deadline = Date.now() + 30_000; (await runOf(taskId))?.executor_id !== b.executorId;) {
    if (Date.now() > deadline) throw new Error('the run did not move to B');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const c = await fx.startReplica();
  const user = await desktop(c.base, () => ({ action: 'accept', content: { confirm: true } }));
  expect(await taskReaches(user.client, taskId, 'input_required')).toBe('input_required');
  // The same on the replica running it.
  const onB = await desktop(b.base, () => ({ action: 'decline' }));
  expect((await onB.client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).status).toBe(
    'input_required',
  );
  expect(await runOf(taskId)).toMatchObject({ executor_id: b.executorId, status: 'PENDING', answers: [] });
  expect(await fx.ticketsOf(8)).toBe(before);

  // The client calls tasks/result on C (as the tasks spec says on input_required): asked there, its answer reaches B.
  const result = await user.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, {
    timeout: 60_000,
  });
  expect(result.structuredContent).toMatchObject({ status: 'answered', ticketCreated: { created: true } });
  expect(result._meta?.[RELATED_TASK]).toEqual({ taskId });
  expect(user.asked).toEqual([
    { message: expect.stringContaining('Open a ticket for customer 8'), relatedTask: { taskId } },
  ]);
  expect(creator.asked).toEqual([]);
  expect(onB.asked).toEqual([]);
  expect(await fx.ticketsOf(8)).toBe(before + 1);
  // The answer was posted into the run once; the run finished on B.
  expect(await runSettled(taskId)).toEqual({
    executor_id: b.executorId,
    status: 'SUCCESS',
    answers: [expect.stringMatching(/^answer:/)],
  });
  // Turn 1 twice (in flight at the kill, then on B), turn 2 once.
  expect(fx.model.requests.map(turnOf)).toEqual([1, 1, 2]);
});

it('asks on the session the call came on when its run executes there; a decline reaches the run and writes nothing', async () => {
  const a = await fx.startReplica();
  fx.model.reset();
  fx.model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Task declined', body: 'Call me.' } }),
    textTurn('never reached'),
  );
  const before = await fx.ticketsOf(9);
  const user = await desktop(a.base, () => ({ action: 'decline' }));
  // The SDK's own task flow: tasks/get until input_required, then tasks/result (which finds the question asked).
  let result: Record<string, unknown> | undefined;
  let taskId = '';
  const statuses: string[] = [];
  for await (const message of user.client.experimental.tasks.callToolStream(
    { name: 'support', arguments: { message: `Call me back (${randomUUID()}).`, customerId: 9 } },
    CallToolResultSchema,
    { timeout: 60_000, task: { ttl: 600_000 } },
  )) {
    if (message.type === 'taskCreated') taskId = message.task.taskId;
    if (message.type === 'taskStatus') statuses.push(message.task.status);
    if (message.type === 'error') throw message.error;
    if (message.type === 'result') result = message.result;
  }
  expect(result?.['structuredContent']).toMatchObject({
    status: 'declined',
    actions: [{ tool: 'ticket_create', ok: false, detail: 'declined by the user' }],
  });
  // Asked once, though both the session's stream and tasks/result could ask it.
  expect(user.asked).toEqual([{ message: expect.stringContaining('customer 9'), relatedTask: { taskId } }]);
  expect(await fx.ticketsOf(9)).toBe(before);
  expect(fx.model.requests).toHaveLength(1);
  expect(await runSettled(taskId)).toEqual({
    executor_id: a.executorId,
    status: 'SUCCESS',
    answers: [expect.stringMatching(/^answer:/)],
  });
  expect(statuses[0]).toBe('working');
});

it('tells the run why a client gave no answer: a refused approval leaves a pending confirmation', async () => {
  const a = await fx.startReplica();
  fx.model.reset();
  fx.model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Task refused', body: 'Call me.' } }),
    textTurn('never reached'),
  );
  const before = await fx.ticketsOf(10);
  const user = await desktop(
    a.base,
    () => {
      throw new Error('the user closed the dialog');
    },
    { getStream: false },
  );
  const taskId = await supportTask(user.client, 10);
  expect(await taskReaches(user.client, taskId, 'input_required')).toBe('input_required');
  const result = await user.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, {
    timeout: 60_000,
  });
  // As for a 2025-11-25 call whose client fails the request: the write waits for support_confirm.
  expect(result.structuredContent).toMatchObject({
    status: 'pending_confirmation',
    confirmationId: expect.stringMatching(/^cf_/),
  });
  expect(user.asked).toEqual([{ message: expect.stringContaining('customer 10'), relatedTask: { taskId } }]);
  expect(await fx.ticketsOf(10)).toBe(before);
  // Why there was no answer was posted into the run, as an answer is.
  expect(await runSettled(taskId)).toMatchObject({ status: 'SUCCESS', answers: [expect.stringMatching(/^answer:/)] });
});

it('reads an approval answered before its replica died from the run on a resume, asking nobody again', async () => {
  const a = await fx.startReplica();
  fx.model.reset();
  fx.model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Task approved, then killed', body: 'Call me.' } }),
    hangTurn(), // turn 2, after the write, in flight when A dies
    textTurn('A colleague will call you back.'),
  );
  const before = await fx.ticketsOf(11);
  // The run executes where the call's session is open: the approval is asked there at once, and accepted.
  const first = await desktop(a.base, () => ({ action: 'accept', content: { confirm: true } }));
  const taskId = await supportTask(first.client, 11);
  await fx.model.waitForRequest(1, 30_000);
  expect(first.asked).toEqual([{ message: expect.stringContaining('customer 11'), relatedTask: { taskId } }]);
  expect(await fx.ticketsOf(11)).toBe(before + 1);
  a.child.kill('SIGKILL');
  await a.exited;

  // B replays the approval from the record; a tasks/result open on B meanwhile finds nothing to ask.
  const b = await fx.startReplica();
  const later = await desktop(b.base, () => ({ action: 'accept', content: { confirm: true } }));
  const result = await later.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, {
    timeout: 60_000,
  });
  expect(result.structuredContent).toMatchObject({ status: 'answered', ticketCreated: { created: true } });
  expect(later.asked).toEqual([]);
  expect(first.asked).toHaveLength(1);
  expect(await fx.ticketsOf(11)).toBe(before + 1);
  expect(await runSettled(taskId)).toEqual({
    executor_id: b.executorId,
    status: 'SUCCESS',
    answers: [expect.stringMatching(/^answer:/)],
  });
  // Turn 1 once; turn 2 in flight at the kill, then again on B.
  expect(fx.model.requests.map(turnOf)).toEqual([1, 2, 2]);
});

it("takes a task's sampled turns and approval on the client through one tasks/result, each answered into the run", async () => {
  // No key: each model turn is a sampling request to the client, a question of the run as the approval is.
  const d = await fx.startReplica({ OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
  fx.model.reset();
  const script: readonly SampledTurn[] = [
    toolUseTurn('tu_1', 'kb_search', { query: 'refund' }),
    toolUseTurn('tu_2', 'ticket_create', { subject: 'Task refund by phone', body: 'Please call about a refund.' }),
    answerTurn('A colleague will call you.'),
  ];
  const user = await desktop(d.base, () => ({ action: 'accept', content: { confirm: true } }), {
    sampling: { tools: {} },
    getStream: false,
  });
  const sampled: unknown[] = [];
  user.client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    sampled.push(request.params._meta?.[RELATED_TASK]);
    const next = script[sampled.length - 1];
    if (!next) throw new Error('the desktop model has no more answers');
    return next as CreateMessageResult;
  });
  const before = await fx.ticketsOf(15);
  const taskId = await supportTask(user.client, 15);
  expect(await taskReaches(user.client, taskId, 'input_required')).toBe('input_required');
  const result = await user.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, {
    timeout: 90_000,
  });
  expect(result.structuredContent).toMatchObject({
    status: 'answered',
    answer: 'A colleague will call you.',
    ticketCreated: { created: true },
  });
  expect(result._meta).toMatchObject({ agentRun: { modelSource: 'client-sampling', turns: 3 } });
  expect(sampled).toEqual([{ taskId }, { taskId }, { taskId }]);
  expect(user.asked).toEqual([{ message: expect.stringContaining('customer 15'), relatedTask: { taskId } }]);
  expect(await fx.ticketsOf(15)).toBe(before + 1);
  expect(fx.model.requests).toHaveLength(0);
  // Three sampled turns and one approval: four questions, each answered into the run once.
  expect(await runSettled(taskId)).toEqual({
    executor_id: d.executorId,
    status: 'SUCCESS',
    answers: Array.from({ length: 4 }, () => expect.stringMatching(/^answer:/)),
  });
});

it('stops waiting when the task is cancelled while its question is being asked on tasks/result', async () => {
  const a = await fx.startReplica();
  fx.model.reset();
  fx.model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Task cancelled', body: 'Call me.' } }),
    textTurn('never reached'),
  );
  const before = await fx.ticketsOf(12);
  // The user never answers; the client cancels the task instead.
  const user = await desktop(a.base, () => new Promise<ElicitResult>(() => undefined), { getStream: false });
  const taskId = await supportTask(user.client, 12);
  expect(await taskReaches(user.client, taskId, 'input_required')).toBe('input_required');
  const result = user.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema, {
    timeout: 60_000,
  });
  for (const deadline = Date.now() + 30_000; user.asked.length === 0 && Date.now() < deadline;)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(user.asked).toEqual([{ message: expect.stringContaining('customer 12'), relatedTask: { taskId } }]);
  const cancelled = await user.client.request({ method: 'tasks/cancel', params: { taskId } }, GetTaskResultSchema);
  expect(cancelled.status).toBe('cancelled');
  // tasks/result answers with the cancelled task, not after the question's minute.
  const started = Date.now();
  expect(await result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'The task was cancelled.' }] });
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(await runSettled(taskId)).toMatchObject({ status: 'CANCELLED', answers: [] });
  expect(await fx.ticketsOf(12)).toBe(before);
  expect(fx.model.requests).toHaveLength(1);
});
