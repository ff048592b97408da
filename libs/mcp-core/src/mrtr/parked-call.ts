import { type Principal, type TaskOutcome } from '@agent-mcp/context';
import { z } from 'zod';
import { McpLocalError, ProtocolError } from '../errors';
import { RECORDED_CALL_FIELDS } from '../recorded-call';
import { ClientRequestTimeoutError, ClientUnreachableError } from '../session';
import { LEGACY_ANSWER_GRACE_MS, noAnswerError } from './legacy-questions';
import {
  INPUT_METHODS,
  type InputRequest,
  type InputSource,
  notAnInputRequest,
  parseAnswer,
  QuestionNames,
} from './input-round';

/**
 * A 2026-07-28 call parked on its durable run: the call of a resumable tool (`execution.resumable`) runs as a run
 * whose steps are recorded, and a question to the client waits in the run instead of ending the handler. The first
 * request answers `input_required` with the question and a `requestState` sealing the run and the question's id; the
 * retry, on any replica, delivers the answers to the run's mailbox and waits for its result or its next question. A
 * run whose replica died resumes on a live one from its recorded steps and finds the answer there.
 */

/** A parked call as its run records it: what a replica needs to execute the call with no live client. */
export const ParkedCallSchema = z.object({
  runId: z.string().min(1).max(256),
  ...RECORDED_CALL_FIELDS,
  logLevel: z.string().max(16).optional(),
  /**
   * `legacy`: a 2025-11-25 call, whose questions the request waiting on the run asks on the call's stream (see
   * `legacy-questions.ts`). Absent: a 2026-07-28 call (records written before legacy calls were runs have none).
   */
  era: z.enum(['legacy', 'modern']).optional(),
  /**
   * A 2026-07-28 call's `inputResponses` sent with its first request (answers given ahead, with no `requestState`):
   * each answers the questions the run asks under its key, as a round's answers do, and is not asked of the client.
   */
  answersAhead: z.record(z.string().max(256), z.looseObject({})).optional(),
});

/** See {@link ParkedCallSchema}. */
export type ParkedCall = Omit<z.infer<typeof ParkedCallSchema>, 'principal'> & { readonly principal: Principal };

/** The question a parked run waits on, as it publishes it (its event {@link QUESTION_EVENT}). */
export interface ParkedQuestion {
  /** The question's id, unique in the run and the same on every replay of it. */
  readonly seq: string;
  readonly inputRequests: Readonly<Record<string, InputRequest>>;
  /** How long a 2025-11-25 client is given to answer, when the question names it (a sampled turn's deadline). */
  readonly timeoutMs?: number;
  /**
   * A 2025-11-25 question's: when the run stops waiting for its answer (epoch ms, the run's clock), so that an asker
   * that comes late (a task's `tasks/result`) gives the client only the time left.
   */
  readonly answerBy?: number;
}

/** The run's event holding the question it waits on. */
export const QUESTION_EVENT = 'input';

/**
 * The run's event holding the questions a 2026-07-28 durable task's run waits on ({@link OpenTaskQuestions}): its
 * questions are asked together, not one at a time (see {@link ParkedInputs.forTask}).
 */
export const TASK_QUESTIONS_EVENT = 'task.inputs';

/** One open question of a 2026-07-28 durable task's run, as the run publishes it. */
export interface OpenTaskQuestion extends InputRequest {
  /** The question's id: its answers go to the run's topic {@link answerTopic} of it. */
  readonly seq: string;
}

/**
 * The questions a 2026-07-28 durable task's run waits on now, by key (its event {@link TASK_QUESTIONS_EVENT}):
 * whichever replica serves `tasks/update` delivers each answer to its question's topic.
 */
export type OpenTaskQuestions = Readonly<Record<string, OpenTaskQuestion>>;

/** The topic of the message that answers question `seq`. */
export function answerTopic(seq: string): string {
  return `input.${seq}`;
}

/**
 * The run journal a parked call asks through (`@agent-mcp/durable-runs`' run journal has this shape): a step is
 * recorded once and read back on a replay; an event is readable by every replica; `waitFor` takes the run's next
 * message on a topic (recorded, so a replay gets the same answer without waiting).
 */
export interface ParkedRunJournal {
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  publish(key: string, value: unknown): Promise<void>;
  waitFor(topic: string, timeoutMs: number): Promise<unknown>;
  /**
   * The full name of the recorded step whose work is executing now (`''` outside every step). A replay reads a
   * recorded step without running it, skipping the questions asked inside it; questions are numbered per enclosing
   * step so that this skip never renumbers the others.
   */
  enclosingStep(): string;
  /**
   * Aborted once the run is cancelled, on whichever replica the cancel came from (recorded runs): the call executing
   * here then stops at once (its model request), not at its next step.
   */
  readonly signal?: AbortSignal;
}

/**
 * Where calls of resumable tools from 2026-07-28 clients become runs ({@link McpServerOptions.parkedCalls}): the
 * port an engine of durable execution implements (server-kit adapts `@agent-mcp/durable-runs`, recorded in
 * PostgreSQL with `DATABASE_URL`, in process otherwise). The composition root defines the work of a started call,
 * `McpServer.executeParked(call, journal)`, on every replica before the engine starts.
 */
export interface ParkedCallRuns {
  /**
   * Whether the runs are recorded where every replica reads them (so a run outlives its process): then a 2025-11-25
   * call of a resumable tool is a run too, its questions asked on its own stream and answered into the run (see
   * `legacy-questions.ts`). In-process runs leave such a call as it is: nothing is gained by the detour.
   */
  readonly recorded?: boolean;
  /** Whether calls can start as runs now, waiting at most `waitMs`; when not, the call reruns on each retry. */
  ready(waitMs: number): Promise<boolean>;
  /**
   * Starts the call as a run in this process, once admitted (limits per replica and per `principal` key); resolves
   * once it is started. @throws the queue's refusal, or the signal's reason
   */
  start(call: ParkedCall, principal: string, signal: AbortSignal): Promise<void>;
  /**
   * The question the run waits on now (its latest {@link QUESTION_EVENT}), if it asked one that has not been answered
   * (a run replayed after a crash publishes its answered questions again as it passes them).
   */
  question(runId: string): Promise<ParkedQuestion | undefined>;
  /**
   * Delivers the client's answers to question `seq` (by input-request key) as the message of topic
   * {@link answerTopic}, keyed by the question so that a repeat delivers nothing.
   * @returns `delivered`; `repeated` when they were delivered before; `gone` when the run is not running any more
   */
  deliver(runId: string, seq: string, answers: Record<string, unknown>): Promise<'delivered' | 'repeated' | 'gone'>;
  /**
   * The run's outcome, waiting up to `timeoutMs`: the call's result or the error it failed with (a run that ended
   * without one, cancelled or given up, fails with a sentence saying so); `undefined` while it runs.
   */
  outcome(runId: string, timeoutMs: number): Promise<TaskOutcome | undefined>;
  /** Cancels the run wherever it is: it stops at its next step and is never resumed. */
  cancel(runId: string): Promise<void>;
  /**
   * The run's latest progress report (its event `PROGRESS_EVENT`: see `run-progress.ts`), published while no request
   * waits on the run in its own process: how a request waiting on another replica follows it. Absent where every
   * request waits where its run runs (in-process runs).
   */
  progress?(runId: string): Promise<unknown>;
  /**
   * Watches the run for a change of its outcome or of its question (and, with `progress`, of its progress report),
   * so a request waiting on it looks again when one may have happened instead of on a timer. Opened before the
   * request's first look; closed when it stops waiting.
   */
  watch(runId: string, options?: { readonly progress?: boolean }): ParkedRunWatch;
}

/** A request's watch on a parked run ({@link ParkedCallRuns.watch}). */
export interface ParkedRunWatch {
  /**
   * Resolves once the run's outcome or question may have changed since the watch opened or the last `next`
   * resolved (at once if so), else after `ms`, or when `signal` aborts. Only a hint to look again: a wake can be
   * spurious, and one from another replica can be lost, hence the bound.
   */
  next(ms: number, signal: AbortSignal): Promise<unknown>;
  close(): void;
}

/** A parked run's recorded input is not a call this server can execute. */
export class InvalidParkedCallError extends McpLocalError {
  constructor(detail: string) {
    super('INVALID_TASK_RECORD', `Not a recorded call: ${detail}`);
  }
}

/** Reads a recorded call back. @throws InvalidParkedCallError */
export function parseParkedCall(input: unknown): ParkedCall {
  const parsed = ParkedCallSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidParkedCallError(`${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data as ParkedCall;
}

/** The first wait before a failed report of a task's open questions is made again, and the longest (it doubles). */
const REPORT_RETRY_MS = 250;
const REPORT_RETRY_MAX_MS = 4000;

/**
 * The questions of a parked call's run: each is published as the run's question and waits for the answer the
 * client's retry delivers. One question at a time (a second waits for the first), so the client always sees the one
 * the run waits on. Replays are deterministic: a question is a recorded step named by its place in the run (the
 * recorded step it is asked in, and its number there in asking order: `ask.<step>#<n>`), holding its id and key, and
 * its answer is recorded when it arrives; a replay asks again only what was not answered, and finds the answer the
 * retry left in the mailbox. Never named by what it asks: a handler asking the same thing twice asks two questions,
 * each answered on its own. Values kept with `keep` live as long as this execution (they are not recorded).
 */
export class ParkedInputs implements InputSource {
  readonly recorded = true;
  private readonly names = new QuestionNames();
  private readonly keptValues: Record<string, unknown> = {};
  /** Questions asked so far in this execution, per enclosing step. */
  private readonly asked = new Map<string, number>();
  private turn: Promise<unknown> = Promise.resolve();
  /** A task's questions open now, by id (see {@link forTask}). */
  private readonly openNow = new Map<string, { readonly name: string; readonly request: InputRequest }>();
  private reportScheduled = false;
  private reported: Promise<void> = Promise.resolve();

  constructor(
    private readonly journal: ParkedRunJournal,
    /** How long a question waits for its answer, ms (the `requestState`'s lifetime). */
    private readonly ttlMs: number,
    /** A 2025-11-25 call's: its questions are asked by the request waiting on the run, if one waits here. */
    private readonly legacy?: LegacyAsker,
    /** The answers the call brought ahead of its questions ({@link ParkedCallSchema}'s `answersAhead`). */
    private readonly ahead: Readonly<Record<string, unknown>> = {},
    /** A 2026-07-28 task's: see {@link forTask}. */
    private readonly onOpen?: (open: Readonly<Record<string, InputRequest>>) => Promise<void>,
  ) {}

  /**
   * The questions of a 2026-07-28 durable task's run. Unlike a parked call's, they are not asked one at a time: a
   * question waits in the run's mailbox from the moment it is asked, and the questions open together are published
   * together as the run's event {@link TASK_QUESTIONS_EVENT} (those asked in one turn of the event loop, as a handler's
   * `Promise.all` asks them, in one publication), then told to `onOpen` (the task turns `input_required` with them;
   * `{}`: none left). A question without a key is named by its kind and id (`sampling-1a2b3c4d`), never reused in
   * the run. Each waits up to `waitMs` (the task's time left). `tasks/update`, on any replica, delivers
   * each answer to its question's topic, where the run records it as a step.
   */
  static forTask(
    journal: ParkedRunJournal,
    waitMs: number,
    onOpen: (open: Readonly<Record<string, InputRequest>>) => Promise<void>,
  ): ParkedInputs {
    return new ParkedInputs(journal, waitMs, undefined, {}, onOpen);
  }

  ask(
    method: string,
    params: Record<string, unknown> | undefined,
    key?: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>> {
    const kind = INPUT_METHODS[method];
    if (!kind) return Promise.reject(notAnInputRequest(method));
    // Numbered now, in the asker's context (the step it runs in) and asking order, not when its turn comes.
    const where = this.journal.enclosingStep();
    const n = (this.asked.get(where) ?? 0) + 1;
    this.asked.set(where, n);
    const place = where ? `${where}#${n}` : `${n}`;
    if (this.onOpen) return this.taskRound(place, method, params ?? {}, kind, key);
    const asked = this.turn.then(() => this.round(place, method, params ?? {}, kind, key, timeoutMs));
    this.turn = asked.catch(() => undefined);
    return asked;
  }

  keep(name: string, value: unknown): void {
    this.keptValues[name] = value;
  }

  kept(name: string): unknown {
    return this.keptValues[name];
  }

  /** A 2026-07-28 task's question (see {@link forTask}): open beside the others until its answer arrives. */
  private async taskRound(
    place: string,
    method: string,
    params: Record<string, unknown>,
    kind: string,
    key: string | undefined,
  ): Promise<Record<string, unknown>> {
    const question = await this.recordQuestion(place, kind, key);
    this.openNow.set(question.seq, { name: question.name, request: { method, params } });
    this.report();
    let responses: Record<string, unknown> | undefined;
    try {
      responses = (await this.journal.waitFor(answerTopic(question.seq), this.ttlMs)) as
        Record<string, unknown> | undefined;
    } finally {
      this.openNow.delete(question.seq);
      this.report();
    }
    if (!responses || !Object.hasOwn(responses, question.name)) throw new ClientRequestTimeoutError(method, this.ttlMs);
    return answerOf(method, question.name, responses[question.name]);
  }

  /**
   * The question asked at `place`: its id and name, recorded (a replay reads them back). A numbered name the record
   * gives moves the numbering past it.
   */
  private async recordQuestion(place: string, kind: string, key: string | undefined) {
    const question = await this.journal.step(`ask.${place}`, async () => {
      const seq = globalThis.crypto.randomUUID();
      // A task's question without a key is named by its id: a replay that reads a step from its record skips the
      // questions asked inside it, so a number counted here could name a new question as an answered one.
      return { seq, name: key ?? (this.onOpen ? `${kind}-${seq.slice(0, 8)}` : this.names.next(kind)) };
    });
    if (key === undefined) this.names.seen(kind, question.name);
    return question;
  }

  /**
   * Publishes the task's open questions, then tells `onOpen`: once per turn of the event loop (questions asked
   * together are reported together), in order, each report the questions open when it is made.
   */
  private report(): void {
    if (this.reportScheduled) return;
    this.reportScheduled = true;
    setImmediate(() => {
      this.reportScheduled = false;
      this.reported = this.reported.then(() => this.reportOpen());
    });
  }

  /**
   * One report (see {@link report}). A failed one (a brief database error) is made again, with the questions open
   * then, after a backoff, while questions are open and the run is not cancelled: unreported, the task would never
   * show `input_required` and the run would wait its whole time for answers nobody knows to send. With none open
   * (answered, timed out, or the run ended under it), the task's next state says what matters.
   */
  private async reportOpen(): Promise<void> {
    for (let backoffMs = REPORT_RETRY_MS; ; backoffMs = Math.min(backoffMs * 2, REPORT_RETRY_MAX_MS)) {
      const open: Record<string, OpenTaskQuestion> = {};
      for (const [seq, { name, request }] of this.openNow) open[name] = { ...request, seq };
      try {
        // Published before the task says input_required: a tasks/update that reads the task finds the questions.
        await this.journal.publish(TASK_QUESTIONS_EVENT, open);
        const requests: Record<string, InputRequest> = {};
        for (const [name, { method, params }] of Object.entries(open)) requests[name] = { method, params };
        await this.onOpen?.(requests);
        return;
      } catch {
        if (this.openNow.size === 0 || this.journal.signal?.aborted) return;
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      if (this.openNow.size === 0 || this.journal.signal?.aborted) return;
    }
  }

  private async round(
    place: string,
    method: string,
    params: Record<string, unknown>,
    kind: string,
    key: string | undefined,
    timeoutMs: number | undefined,
  ): Promise<Record<string, unknown>> {
    // Recorded before it is published: a question the client saw is the one a replay asks (a crash between the two
    // would otherwise give the replay a new id, and the client's answer would wait under the old one).
    const question = await this.recordQuestion(place, kind, key);
    // Answered ahead under its name: decided by the recorded call and the recorded name, so the same on a replay.
    if (Object.hasOwn(this.ahead, question.name)) return answerOf(method, question.name, this.ahead[question.name]);
    // The time the client is given (a legacy call's: 0 when nobody here can ask it), and the run's wait: a little
    // longer, since the asker's word (the answer, or why there is none) always comes first.
    const clientMs = this.legacy ? this.legacy.waitMs(timeoutMs) : this.ttlMs;
    const waitMs = this.legacy && clientMs > 0 ? clientMs + LEGACY_ANSWER_GRACE_MS : clientMs;
    // Published again on a replay (it may not have landed before the crash); a reader takes a question already
    // answered for none (ParkedCallRuns.question).
    const published: ParkedQuestion = {
      seq: question.seq,
      inputRequests: { [question.name]: { method, params } },
      ...(this.legacy && timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(this.legacy && clientMs > 0 ? { answerBy: Date.now() + clientMs } : {}),
    };
    await this.journal.publish(QUESTION_EVENT, published);
    await this.legacy?.waiting?.(published);
    const responses = (await this.journal.waitFor(answerTopic(question.seq), waitMs)) as
      Record<string, unknown> | undefined;
    await this.legacy?.waiting?.(undefined);
    const unanswered = responses && noAnswerError(method, responses);
    if (unanswered) throw unanswered;
    // No answer in time (the retry validates its answers before delivering them, so a message always holds one); for
    // a legacy call with nobody here to ask (its run resumed after its replica died), no answer at all.
    if (!responses || !Object.hasOwn(responses, question.name))
      throw this.legacy && clientMs === 0
        ? new ClientUnreachableError(method)
        : new ClientRequestTimeoutError(method, clientMs);
    return answerOf(method, question.name, responses[question.name]);
  }
}

/** The answer under `name`, checked against what `method` returns. @throws ProtocolError (-32602) when malformed */
function answerOf(method: string, name: string, value: unknown): Record<string, unknown> {
  const answer = parseAnswer(method, name, value);
  if (answer instanceof ProtocolError) throw answer;
  return answer;
}

/**
 * How a 2025-11-25 call's run waits for its answers (see `legacy-questions.ts`): an asker on the client's stream
 * asks the client and delivers the answer, or why there is none, so the run waits the question's time and a little
 * more. A call's asker is the request waiting on the run: with none waiting here (the run resumed on another
 * replica, or here after a restart: the client's request ended with its connection), nobody can ask, and the run
 * takes an answer delivered before and otherwise fails the question as unreachable at once, as a request with no
 * stream to carry it does. A task's asker is whichever replica serves the client's `tasks/result` (the 2025-11-25
 * way for a task to reach its client), which may come at any time: the run waits the question's time.
 */
export interface LegacyAsker {
  /**
   * How long the client is given to answer a question given `timeoutMs` (default the server's client-request
   * timeout); 0: nobody can ask it (the run only looks for an answer delivered before).
   */
  waitMs(timeoutMs: number | undefined): number;
  /**
   * Told the question the run now waits on, once it is published, and `undefined` once the wait is over (answered
   * or not): a task shows `input_required` meanwhile.
   */
  waiting?(question: ParkedQuestion | undefined): Promise<void>;
}
