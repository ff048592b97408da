// Issue 17, item 4 (one mechanism for every kind of waiting), for 2026-07-28 tasks: a durable task's questions go
// through its run. The run records each question as a step (its name too, so a replay asks it under the same name),
// publishes the open ones and waits in its mailbox; the task shows them (input_required, inputRequests) on tasks/get
// on every replica; tasks/update on any replica delivers each answer to the run's mailbox, where the run records it
// as a step, so no answer is lost when a replica dies. The built main.js, two replicas on a PostgreSQL database of
// their own with the sample data, with no OpenAI key: each model turn of the support agent is a sampling question
// to the client, as its approval is. The client sends real 2026-07-28 requests (tasks extension) over HTTP; the
// scripted OpenAI-compatible server counts model requests (none here); tickets are counted in PostgreSQL.
import { randomUUID } from 'node:crypto';
import { answerTurn, toolUseTurn } from '@agent-mcp/app-suites';
import {
  modernRequest,
  type RpcAnswer,
  TASK_CLIENT_CAPS,
  taskEnded,
  taskUntil,
  unansweredKeys,
} from './spec-helpers/modern-requests';
import { type Replica, createSupportReplicas, type SupportReplicas } from './spec-helpers/support-replicas';

jest.setTimeout(150_000);

/** No key: the support agent samples each turn on the client's model. */
const NO_KEY = { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' };
/** A 2026-07-28 client with the tasks extension, form elicitation, and sampling with tools. */
const CAPS = { ...TASK_CLIENT_CAPS, sampling: { tools: {} } };
const modern = (base: string, method: string, params: Record<string, unknown>): Promise<RpcAnswer> =>
  modernRequest(base, method, params, { capabilities: CAPS });

let fx: SupportReplicas;
beforeAll(async () => {
  fx = await createSupportReplicas();
});
afterAll(() => fx?.close());
// Each test's runs go to its own servers only: a live server of an earlier test could take a killed one's runs.
afterEach(() => fx.killReplicas());

/** The client's side of one task: every question key it was shown, in the order it first saw them. */
class TaskClient {
  readonly shown: string[] = [];
  constructor(readonly taskId: string) {}

  /** Waits (bounded) on `base` for a question not shown before; its key. */
  async nextQuestion(base: string): Promise<string> {
    const seen = this.shown.length;
    const task = await taskUntil(base, this.taskId, (t) => this.note(t), 30_000);
    const key = this.shown[seen];
    if (!key) throw new Error(`no new question: ${JSON.stringify(task)}`);
    return key;
  }

  /** Answers question `key` through tasks/update on `base`. */
  async answer(base: string, key: string, value: unknown): Promise<void> {
    const answered = await modern(base, 'tasks/update', { taskId: this.taskId, inputResponses: { [key]: value } });
    expect(answered.error).toBeUndefined();
  }

  /** Polls on `base` until the task ends (bounded), noting any question shown meanwhile. */
  async ended(base: string): Promise<Record<string, unknown> | undefined> {
    return taskUntil(base, this.taskId, (t) => (this.note(t), taskEnded(t)), 60_000);
  }

  /** Notes the task's open questions; whether one is new. */
  note(task: Record<string, unknown> | undefined): boolean {
    const fresh = unansweredKeys(task, new Set(this.shown));
    this.shown.push(...fresh);
    return fresh.length > 0;
  }
}

/** How the run names an unkeyed question: by its kind and id, never reused in the run. */
const SAMPLING = /^sampling-[0-9a-f]{8}$/;
const ELICITATION = /^elicitation-[0-9a-f]{8}$/;
const ACCEPT = { action: 'accept', content: { confirm: true } };

async function supportTask(base: string, customerId: number): Promise<TaskClient> {
  const created = await modern(base, 'tools/call', {
    name: 'support',
    arguments: { message: `Call me about my refund (${randomUUID()}).`, customerId },
  });
  expect(created.result).toMatchObject({ resultType: 'task' });
  return new TaskClient(String(created.result?.['taskId']));
}

/** The task's run: where it is, and the keys of the messages posted into it. */
const runOf = (taskId: string) => fx.runOf(taskId);

/** Waits (bounded) until the run is held by `replica`. */
async function runMovesTo(taskId: string, replica: Replica): Promise<void> {
  for (const deadline = Date.now() + 30_000; (await runOf(taskId))?.executor_id !== replica.executorId;) {
    if (Date.now() > deadline) throw new Error('the run did not move');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('shows the same questions on B after A, waiting on a sampled turn, is SIGKILLed; B takes the answer; writes once', async () => {
  const a = await fx.startReplica(NO_KEY);
  fx.model.reset();
  const before = await fx.ticketsOf(15);
  const user = await supportTask(a.base, 15);

  const turn1 = await user.nextQuestion(a.base);
  expect(turn1).toMatch(SAMPLING);
  await user.answer(a.base, turn1, toolUseTurn('tu_1', 'kb_search', { query: 'refund' }));
  const turn2 = await user.nextQuestion(a.base);
  expect(turn2).toMatch(SAMPLING);
  await user.answer(
    a.base,
    turn2,
    toolUseTurn('tu_2', 'ticket_create', { subject: 'Task refund by phone', body: 'Please call about a refund.' }),
  );
  const approval = await user.nextQuestion(a.base);
  expect(approval).toMatch(ELICITATION);
  await user.answer(a.base, approval, ACCEPT);
  const turn3 = await user.nextQuestion(a.base);
  expect(turn3).toMatch(SAMPLING);

  // A dies while the task waits on its third sampled turn; B shows the question A's run asked.
  const b = await fx.startReplica(NO_KEY);
  a.child.kill('SIGKILL');
  await a.exited;
  const onB = (await modern(b.base, 'tasks/get', { taskId: user.taskId })).result;
  expect(onB).toMatchObject({ status: 'input_required' });
  expect(Object.keys(onB?.['inputRequests'] as object)).toEqual([turn3]);

  // B resumes the run: its replay asks the open question again under the same name (and nothing answered before).
  await runMovesTo(user.taskId, b);
  const shownAt = String(onB?.['lastUpdatedAt']);
  const resumed = await taskUntil(
    b.base,
    user.taskId,
    (t) => t?.['status'] === 'input_required' && String(t['lastUpdatedAt']) > shownAt,
    30_000,
  );
  expect(Object.keys(resumed?.['inputRequests'] as object)).toEqual([turn3]);
  await user.answer(b.base, turn3, answerTurn('A colleague will call you.'));

  const done = await user.ended(b.base);
  expect(done).toMatchObject({
    status: 'completed',
    result: {
      structuredContent: {
        status: 'answered',
        answer: 'A colleague will call you.',
        ticketCreated: { created: true },
      },
    },
  });
  // Each question shown once: no sampled turn or approval asked again after the resume.
  expect(user.shown).toEqual([turn1, turn2, approval, turn3]);
  expect(await fx.ticketsOf(15)).toBe(before + 1);
  expect(fx.model.requests).toHaveLength(0);
  // Four answers, each posted into the run once; the run finished on B.
  expect(await runOf(user.taskId)).toEqual({
    executor_id: b.executorId,
    status: 'SUCCESS',
    answers: Array.from({ length: 4 }, () => expect.stringMatching(/^answer:/)),
  });
});

it('loses no answer when the replica whose run took it is SIGKILLed right after the answer', async () => {
  const a = await fx.startReplica(NO_KEY);
  const b = await fx.startReplica(NO_KEY);
  fx.model.reset();
  const before = await fx.ticketsOf(14);
  // Created on A; whichever replica takes the run from the queue runs it.
  const user = await supportTask(a.base, 14);
  const turn1 = await user.nextQuestion(b.base);
  expect(turn1).toMatch(SAMPLING);
  const holder = (await runOf(user.taskId))?.executor_id === a.executorId ? a : b;
  const other = holder === a ? b : a;
  await user.answer(holder.base, turn1, toolUseTurn('tu_1', 'kb_search', { query: 'refund' }));
  const turn2 = await user.nextQuestion(other.base);
  expect(turn2).toMatch(SAMPLING);

  // The answer to the second turn goes to the replica running the run, which dies as it answers.
  await user.answer(
    holder.base,
    turn2,
    toolUseTurn('tu_2', 'ticket_create', { subject: 'Answered then killed', body: 'Please call about a refund.' }),
  );
  holder.child.kill('SIGKILL');
  await holder.exited;

  // The other replica resumes the run, which reads the answer from its record or its mailbox: it asks for the
  // approval next, not for the second turn again.
  await runMovesTo(user.taskId, other);
  const approval = await user.nextQuestion(other.base);
  expect(approval).toMatch(ELICITATION);
  await user.answer(other.base, approval, ACCEPT);
  const turn3 = await user.nextQuestion(other.base);
  expect(turn3).toMatch(SAMPLING);
  await user.answer(other.base, turn3, answerTurn('We will call you.'));
  expect(await user.ended(other.base)).toMatchObject({
    status: 'completed',
    result: { structuredContent: { status: 'answered', ticketCreated: { created: true } } },
  });
  expect(user.shown).toEqual([turn1, turn2, approval, turn3]);
  expect(await fx.ticketsOf(14)).toBe(before + 1);
  expect(fx.model.requests).toHaveLength(0);
});
