import { type Logger } from '@agent-mcp/context';
import { type Call } from '../call-context';
import { CancelledError } from '../errors';
import { askOnCallStream, isUnreachable } from '../mrtr/legacy-questions';
import { type ParkedCallRuns, type ParkedQuestion } from '../mrtr/parked-call';

/**
 * The questions of a 2025-11-25 durable task (a task-augmented `tools/call` of a resumable tool, executed as a
 * durable run on any replica): the same mechanism as a 2025-11-25 call that runs as a recorded run
 * (`legacy-questions.ts`). The run records the question, publishes it and waits in its mailbox; its task shows
 * `input_required` on every replica. Whichever replica serves the client's `tasks/result` (where the 2025-11-25
 * tasks spec sends a task's requests, tagged `io.modelcontextprotocol/related-task`) asks the client on that
 * request's stream and delivers the answer, or why there is none, to the run's mailbox, where it becomes a recorded
 * step: a replay after a crash reads it instead of asking again. The replica executing the run asks at once, too,
 * when the session the call came on is open there with its stream (the client need not come back then).
 */

/** What an asker needs of a task's run: the question it waits on, the delivery of the answer, and a watch on it. */
export type RunQuestions = Pick<ParkedCallRuns, 'question' | 'deliver' | 'watch'>;

/** How often an ask looks whether its task ended or its question was answered elsewhere, at least. */
const LOOK_AGAIN_MS = 3000;

/** Asks the questions of 2025-11-25 durable tasks in this process: one ask per question, whoever asks. */
export class LegacyTaskQuestions {
  /** The asks in flight here, by task and question. */
  private readonly asking = new Map<string, Promise<void>>();

  constructor(
    private readonly runs: RunQuestions,
    /** The time a client is given to answer a question that names none. */
    private readonly clientRequestTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * One wait of `tasks/result` (request `call`) for the task: asks the question the task's run waits on, if any, on
   * the request's stream and resolves once the answer (or why there is none) is delivered; else resolves once the
   * run may have changed (a question, its end), after `ms` at most. `ended` says whether the task has ended.
   * @throws the request's cancellation
   */
  async next(call: Call, taskId: string, ms: number, ended: () => Promise<boolean>): Promise<void> {
    // Opened before the look: a question published between the look and the wait still wakes it.
    const watch = this.runs.watch(taskId);
    try {
      const question = await this.runs.question(taskId);
      if (question) await this.ask(call, taskId, question, ended);
      else await watch.next(ms, call.signal);
    } finally {
      watch.close();
    }
    if (call.signal.aborted) throw call.signal.reason ?? new CancelledError();
  }

  /**
   * Whether the task's run waits on question `seq` now: not when a replay publishes again a question answered
   * before the crash (its recorded answer is read back, nobody is to be asked).
   */
  async waitsOn(taskId: string, seq: string): Promise<boolean> {
    return (await this.runs.question(taskId))?.seq === seq;
  }

  /**
   * Asks `question` of the task's client on `call`'s stream and delivers the reply to the run; while the question is
   * being asked here already, waits for that ask instead (bounded by `call`'s signal). The ask stops when the task
   * ends or the question is answered through another replica. `live`: the session the call came on, asked by the
   * replica executing the run; a session with no stream to carry the question delivers nothing (a `tasks/result`
   * may still come).
   */
  ask(
    call: Call,
    taskId: string,
    question: ParkedQuestion,
    ended: () => Promise<boolean>,
    live = false,
  ): Promise<void> {
    const key = `${taskId} ${question.seq}`;
    const asking = this.asking.get(key);
    if (asking) return untilAborted(asking, call.signal);
    const asked = this.askAndDeliver(call, taskId, question, ended, live).finally(() => this.asking.delete(key));
    this.asking.set(key, asked);
    return asked;
  }

  private async askAndDeliver(
    call: Call,
    taskId: string,
    question: ParkedQuestion,
    ended: () => Promise<boolean>,
    live: boolean,
  ): Promise<void> {
    const over = new AbortController();
    const signal = AbortSignal.any([call.signal, over.signal]);
    const watching = this.stopWhenOver(taskId, question.seq, ended, over, signal);
    try {
      const reply = await askOnCallStream(call, question, this.clientRequestTimeoutMs, { relatedTask: taskId, signal });
      if (live && isUnreachable(reply)) return;
      // `repeated` or `gone`: answered already, or the run ended; the task says which either way.
      await this.runs.deliver(taskId, question.seq, reply);
    } catch (error) {
      // Stopped (the request or the task ended, or the question was answered elsewhere): nothing to deliver.
      if (!signal.aborted) throw error;
    } finally {
      over.abort();
      await watching;
    }
  }

  /** Aborts `over` once the task has ended or its run no longer waits on question `seq`; returns when `signal` aborts. */
  private async stopWhenOver(
    taskId: string,
    seq: string,
    ended: () => Promise<boolean>,
    over: AbortController,
    signal: AbortSignal,
  ): Promise<void> {
    const watch = this.runs.watch(taskId);
    try {
      while (!signal.aborted) {
        await watch.next(LOOK_AGAIN_MS, signal);
        if (signal.aborted) return;
        if ((await ended()) || (await this.runs.question(taskId))?.seq !== seq)
          over.abort(new CancelledError('The task no longer waits on this question'));
      }
    } catch (error) {
      this.logger.warn('task question: could not look at the task', { taskId, err: error });
    } finally {
      watch.close();
    }
  }
}

/** Resolves when `promise` settles (either way) or `signal` aborts, whichever comes first. */
function untilAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    promise.then(done, done);
  });
}
