// The questions of a 2025-11-25 durable task, between its run and the replica serving the client's tasks/result:
// the run waits the question's time in its mailbox; the asker asks on its request's stream (tagged with the task),
// once per question in a process, giving a late-coming client only the time left, and delivers the answer or why
// there is none; a client that never answers times the question out with the error a 2025-11-25 request gets; an
// ask stops when its task ends. A run and its mailbox in memory; the client's side is the session's message sink.
import { noopLogger } from '@agent-mcp/context';
import { type Call } from '../call-context';
import { type JSONRPCMessage } from '../protocol/messages';
import { detachedCall } from '../recorded-call';
import { ClientRequestTimeoutError, Session } from '../session';
import { type LegacyAsker, ParkedInputs, type ParkedQuestion, type ParkedRunJournal } from '../mrtr/parked-call';
import { LegacyTaskQuestions, type RunQuestions } from './legacy-task-questions';
import { RELATED_TASK_META_KEY } from './related-task';

const TASK = 'task-1';
const FORM = { message: 'Open a ticket?', requestedSchema: { type: 'object', properties: {} } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One run in memory: its journal (steps, question event, mailbox) and the port an asker reads it through. */
function memoryRun() {
  let question: ParkedQuestion | undefined;
  let cancelled = false;
  const mailbox = new Map<string, Record<string, unknown>>();
  const wakes = new Set<() => void>();
  const wake = () => [...wakes].forEach((w) => w());
  const journal: ParkedRunJournal = {
    step: async (_name, fn) => fn(),
    publish: async (_key, value) => {
      question = value as ParkedQuestion;
      wake();
    },
    async waitFor(topic, timeoutMs) {
      for (const deadline = Date.now() + timeoutMs; !mailbox.has(topic) && Date.now() < deadline;) {
        // As a recorded run's wait ends when the run is cancelled.
        if (cancelled) throw new Error('The run was cancelled while it waited.');
        await sleep(5);
      }
      return mailbox.get(topic);
    },
    enclosingStep: () => '',
  };
  const port: RunQuestions = {
    question: async () => (question && !mailbox.has(`input.${question.seq}`) ? question : undefined),
    async deliver(_runId, seq, answers) {
      if (mailbox.has(`input.${seq}`)) return 'repeated';
      mailbox.set(`input.${seq}`, answers);
      wake();
      return 'delivered';
    },
    watch: () => {
      let woken = false;
      const mark = () => (woken = true);
      wakes.add(mark);
      return {
        async next(ms, signal) {
          for (const deadline = Date.now() + ms; !woken && !signal.aborted && Date.now() < deadline;) await sleep(5);
          woken = false;
        },
        close: () => wakes.delete(mark),
      };
    },
  };
  const cancel = () => {
    cancelled = true;
    wake();
  };
  return { journal, port, cancel, delivered: mailbox };
}

/** A 2025-11-25 client's `tasks/result` request: what it is sent, and a way to answer. */
function tasksResult(signal = new AbortController().signal) {
  const session = new Session('s-1', { kind: 'memory' });
  const sent: JSONRPCMessage[] = [];
  const call: Call = detachedCall(
    { tool: 'tasks/result', principal: { id: 'u', scopes: [], via: 'none' }, protocolVersion: '2025-11-25' },
    { id: 'req-7', session, signal, channel: { send: (m) => void sent.push(m), respond: () => undefined } },
  );
  const requests = () => sent.filter((m) => 'method' in m && 'id' in m) as Array<JSONRPCMessage & { id: string }>;
  const answer = (result: Record<string, unknown>) =>
    session.resolveResponse({ jsonrpc: '2.0', id: requests().at(-1)?.id as string, result });
  return { call, sent, requests, answer };
}

/** A task's asker: the client has `clientMs` to answer, from when the run asks. */
const taskAsker = (clientMs: number): LegacyAsker => ({ waitMs: (timeoutMs) => timeoutMs ?? clientMs });

describe('LegacyTaskQuestions', () => {
  it('asks on tasks/result with the related task, once per question, and the answer reaches the run', async () => {
    const run = memoryRun();
    const asked = new ParkedInputs(run.journal, 60_000, taskAsker(5000)).ask('elicitation/create', FORM);
    const questions = new LegacyTaskQuestions(run.port, 5000, noopLogger);
    await sleep(20);
    const first = tasksResult();
    const second = tasksResult();
    const ended = async () => false;
    const serving = [questions.next(first.call, TASK, 1000, ended), questions.next(second.call, TASK, 1000, ended)];
    await sleep(20);
    // One request, on the first asker's stream, tied to its task.
    expect(second.requests()).toEqual([]);
    expect(first.requests()).toEqual([
      expect.objectContaining({
        method: 'elicitation/create',
        params: expect.objectContaining({ _meta: { [RELATED_TASK_META_KEY]: { taskId: TASK } } }),
      }),
    ]);
    expect(first.answer({ action: 'accept', content: {} })).toBe(true);
    await Promise.all(serving);
    await expect(asked).resolves.toEqual({ action: 'accept', content: {} });
  });

  it('gives a client that comes late only the time left, and times the question out as a 2025-11-25 request', async () => {
    const run = memoryRun();
    const started = Date.now();
    const asked = new ParkedInputs(run.journal, 60_000, taskAsker(400)).ask('elicitation/create', FORM);
    asked.catch(() => undefined);
    // The client calls tasks/result 250 ms after the run asked, and never answers.
    await sleep(250);
    const late = tasksResult();
    await new LegacyTaskQuestions(run.port, 400, noopLogger).next(late.call, TASK, 1000, async () => false);
    const error = await asked.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientRequestTimeoutError);
    expect((error as Error).message).toBe('Client did not answer elicitation/create within 400 ms');
    // The run heard it when the client's time was up, not the question's whole time after the late ask.
    expect(Date.now() - started).toBeLessThan(600);
    expect(late.sent.at(-1)).toMatchObject({ method: 'notifications/cancelled' });
  });

  it('stops asking once the task ended, delivering nothing', async () => {
    const run = memoryRun();
    void new ParkedInputs(run.journal, 60_000, taskAsker(5000)).ask('elicitation/create', FORM).catch(() => undefined);
    await sleep(20);
    let ended = false;
    const request = tasksResult();
    const serving = new LegacyTaskQuestions(run.port, 5000, noopLogger).next(
      request.call,
      TASK,
      1000,
      async () => ended,
    );
    await sleep(20);
    expect(request.requests()).toHaveLength(1);
    ended = true; // cancelled through another replica: the run's end wakes the asker's watch
    run.cancel();
    await serving;
    expect(run.delivered.size).toBe(0);
    expect(request.sent.at(-1)).toMatchObject({ method: 'notifications/cancelled' });
  });
});
