import { type Logger, type ProgressUpdate } from '@agent-mcp/context';
import { type Call, type CallEnvironment, CallContext } from '../call-context';
import { LatestThrottle } from '../latest-throttle';
import { type InputSource } from '../mrtr/input-round';
import { ParkedInputs, type ParkedRunJournal } from '../mrtr/parked-call';
import { type JSONRPCMessage, type JSONRPCResponseMessage } from '../protocol/messages';
import { detachedCall, recordedSession } from '../recorded-call';
import { ClientUnreachableError, type RequestChannel, type Session } from '../session';
import { type DurableTaskCall } from './durable-tasks';
import { type LegacyTaskQuestions } from './legacy-task-questions';
import { type TaskManager } from './task-manager';
import { withRelatedTask } from './related-task';

/** How often a task's progress message is written to the store, at most. */
const STATUS_WRITE_INTERVAL_MS = 1000;

/**
 * Where the messages of a task's run go. Its request was answered with the task at once, so notifications
 * and requests to the client travel on the session's standalone stream (stdout, or the HTTP GET stream when
 * the client opened one), tagged with the task.
 */
export class TaskChannel implements RequestChannel {
  constructor(
    private readonly session: Session,
    private readonly taskId: string,
  ) {}

  send(message: JSONRPCMessage): void {
    message = withRelatedTask(message, this.taskId);
    // A request nobody can receive would wait for its timeout (a minute) for nothing: its caller learns at once.
    const isRequest = 'method' in message && 'id' in message;
    if (this.session.closed || !this.session.standalone) {
      if (isRequest) throw new ClientUnreachableError((message as { method: string }).method);
      return;
    }
    try {
      this.session.standalone.send(message);
    } catch {
      // The stream may have just closed: the task goes on, and its state stays readable with tasks/get.
      if (isRequest) throw new ClientUnreachableError((message as { method: string }).method);
    }
  }

  respond(_message: JSONRPCResponseMessage): void {
    // A task's outcome goes to the task store, never on a stream: the request was answered with the task.
  }
}

/**
 * The handler context of a task's run: as a call's, and its progress messages also become the task's status
 * message, so a client without a stream (or without a progress token) follows the run with `tasks/get`.
 */
export class TaskCallContext extends CallContext {
  /** At most one write per `STATUS_WRITE_INTERVAL_MS`, the latest message last, so tasks/get shows where it is. */
  private readonly statusMessages: LatestThrottle<string>;

  constructor(env: CallEnvironment, call: Call, onStatusMessage: (message: string) => void) {
    super(env, call);
    // A run that ended meanwhile: its outcome is the task's state now.
    this.statusMessages = new LatestThrottle(STATUS_WRITE_INTERVAL_MS, (message) => {
      if (!this.signal.aborted) onStatusMessage(message);
    });
  }

  override async reportProgress(update: ProgressUpdate | string): Promise<void> {
    const message = typeof update === 'string' ? update : update.message;
    if (message !== undefined) this.statusMessages.offer(message);
    return super.reportProgress(update);
  }
}

/**
 * The call of a durable task as a replica executes it from its record, with no live client: a session of its own
 * with what the client declared and no stream (notifications go nowhere), `input` where its questions go (a
 * 2026-07-28 task's through the task, a 2025-11-25 one's through its run: {@link legacyTaskInputs}; with none, a
 * request to a 2025-11-25 client fails at once with {@link ClientUnreachableError}). With `live`, the 2025-11-25
 * session the call came on, open in this process: its notifications go there instead. Reads of resources and
 * prompts from inside the call are refused ({@link detachedCall}).
 */
export function detachedTaskCall(
  record: DurableTaskCall,
  signal: AbortSignal,
  input?: InputSource,
  live?: Session,
): Call {
  const session = live ?? recordedSession(record, record.era);
  const channel = new TaskChannel(session, record.taskId);
  return detachedCall(record, { id: `task:${record.taskId}`, session, channel, signal, input });
}

/** What {@link legacyTaskInputs} needs. */
export interface LegacyTaskInputsOptions {
  readonly record: DurableTaskCall;
  readonly journal: ParkedRunJournal;
  /** The execution's signal. */
  readonly signal: AbortSignal;
  readonly tasks: TaskManager;
  readonly questions: LegacyTaskQuestions;
  /** The time a client is given to answer a question that names none, once asked. */
  readonly clientRequestTimeoutMs: number;
  /** How long a question that names no time waits for a `tasks/result` to ask it: the task's time left. */
  readonly waitMs: number;
  /** The session the call came on, if it is open in this process now (`McpServer.liveSessionOf`). */
  readonly live: () => Session | undefined;
  readonly logger: Logger;
}

/**
 * Where the questions of a 2025-11-25 durable task's run go: into the run (see `legacy-task-questions.ts`). Each
 * waits in the run's mailbox for the question's time (with none, the task's time left), the task `input_required`
 * meanwhile, for whichever replica
 * serves the client's `tasks/result` to ask it; when the session the call came on is open here with its stream, it
 * is asked there at once too (one ask per question in this process, whoever asks first).
 */
export function legacyTaskInputs(options: LegacyTaskInputsOptions): ParkedInputs {
  const { record, signal, tasks, questions } = options;
  const ended = () => Promise.resolve(signal.aborted);
  return new ParkedInputs(options.journal, options.clientRequestTimeoutMs, {
    // Not the client-request timeout: a client that comes back later (a person away from the screen) is asked then.
    waitMs: (timeoutMs) => timeoutMs ?? options.waitMs,
    async waiting(question) {
      // A question answered before a crash, published again by the replay: its answer is read back at once.
      const open = question && (await questions.waitsOn(record.taskId, question.seq).catch(() => true));
      if (question && !open) return;
      await tasks.waitOnClient(record.taskId, question !== undefined);
      const live = question && options.live();
      if (!question || !live?.standalone) return;
      const call = detachedTaskCall(record, signal, undefined, live);
      void questions
        .ask(call, record.taskId, question, ended, true)
        .catch((error: unknown) =>
          options.logger.warn('task question: could not ask the live session', { taskId: record.taskId, err: error }),
        );
    },
  });
}
