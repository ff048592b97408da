import { type Logger, noopLogger } from '@agent-mcp/context';
import { CancelledError, JsonRpcErrorCode, ProtocolError } from '../errors';
import { requireRunEngine, RUN_ENGINE_WAIT_MS } from '../run-engine';
import { type InputRequest, parseAnswer } from '../mrtr/input-round';
import { TaskInputs } from './task-inputs';
import {
  InvalidTaskCursorError,
  isTerminalStatus,
  type TaskOutcome,
  type TaskRecord,
  type TaskStatus,
  type TaskStore,
} from '@agent-mcp/context';
import { InMemoryTaskStore } from './task-store';
import { DURABLE_TASK_RUNNER, type DurableTaskCall, type DurableTaskRuns } from './durable-tasks';
import { RELATED_TASK_META_KEY } from './related-task';
import { type LegacyTaskQuestions } from './legacy-task-questions';
import { type Call } from '../call-context';

export { RELATED_TASK_META_KEY } from './related-task';

/** Task settings of an {@link McpServer}. */
export interface TaskOptions {
  /** Where tasks live. Default: an {@link InMemoryTaskStore} (survives reconnects, not restarts). */
  readonly store?: TaskStore;
  /** TTL of a task whose client asked for none, in ms. Default 1 hour. */
  readonly defaultTtlMs?: number;
  /** Longest TTL a client may ask for, in ms. Default 24 hours. */
  readonly maxTtlMs?: number;
  /** Poll interval suggested to clients, in ms. Default 1000. */
  readonly pollIntervalMs?: number;
  /**
   * How often this process renews the leases of its running tasks and learns of cancellations made through
   * other replicas, in ms. Default 1000.
   */
  readonly watchIntervalMs?: number;
  /** A running task whose process stops renewing is failed after this long, in ms. Default 30 000. */
  readonly leaseMs?: number;
  /** Most tasks this process runs at once; more are refused. Default 64. */
  readonly maxRunning?: number;
  /** Tasks per `tasks/list` page. Default 50. */
  readonly pageSize?: number;
  /** Identifies this process in the store. Default: a random id. */
  readonly runnerId?: string;
  /**
   * Durable runs for the task-augmented calls of tools marked `execution.resumable`: such a task is a run that any
   * replica may execute and that resumes on a live replica when its own dies, instead of being failed after
   * `leaseMs` (see {@link DurableTaskRuns}). Default: none; every task runs in the process that took its call.
   */
  readonly durable?: DurableTaskRuns;
  /**
   * How long a task-augmented call of a resumable tool waits for the durable engine to come up (it starts with the
   * server) before it is refused with `UNAVAILABLE`, in ms. Default: the server's `runEngineWaitMs` (15 000).
   */
  readonly durableReadyWaitMs?: number;
}

/** The wire form of a task (`Task` in the 2025-11-25 schema). */
export interface TaskWire {
  readonly taskId: string;
  readonly status: TaskRecord['status'];
  readonly ttl: number | null;
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly pollInterval: number;
  readonly statusMessage?: string;
  readonly [key: string]: unknown;
}

/** Converts a stored task to its wire form. */
export function taskToWire(task: TaskRecord): TaskWire {
  return {
    taskId: task.taskId,
    status: task.status,
    ttl: task.ttlMs,
    createdAt: task.createdAt.toISOString(),
    lastUpdatedAt: task.lastUpdatedAt.toISOString(),
    pollInterval: task.pollIntervalMs,
    ...(task.statusMessage !== undefined ? { statusMessage: task.statusMessage } : {}),
  };
}

/** The work of one task: runs until it returns the outcome, honouring `signal`; reports status messages. */
export type TaskWork = (signal: AbortSignal, taskId: string) => Promise<TaskOutcome>;

/**
 * Which terminal status an outcome gets. Default (2025-11-25): a result with `isError` fails the task; the
 * 2026-07-28 extension completes it and keeps `failed` for protocol errors.
 */
export type TaskClassifier = (outcome: TaskOutcome) => { status: 'completed' | 'failed'; outcome: TaskOutcome };

const failOnToolError: TaskClassifier = (outcome) => ({
  status: 'error' in outcome || (outcome.result as { isError?: boolean }).isError === true ? 'failed' : 'completed',
  outcome,
});

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<void>;
  /** Whose lease the task holds: this process's runner id, or {@link DURABLE_TASK_RUNNER}. */
  readonly runner: string;
}

/**
 * Runs task-augmented requests in the background and answers the `tasks/*` methods. One per server. The
 * store holds the truth; this process keeps only the abort handles of the tasks it runs, renews their leases
 * and aborts a run whose task was cancelled, here or through another replica.
 */
export class TaskManager {
  readonly store: TaskStore;
  private readonly defaultTtlMs: number;
  private readonly maxTtlMs: number;
  private readonly pollIntervalMs: number;
  private readonly watchIntervalMs: number;
  private readonly leaseMs: number;
  private readonly maxRunning: number;
  private readonly pageSize: number;
  private readonly runnerId: string;
  private readonly durable: DurableTaskRuns | undefined;
  private readonly durableReadyWaitMs: number;
  /** The 2025-11-25 durable tasks running here whose run waits for its client's answer. */
  private readonly waitingOnClient = new Set<string>();
  private readonly running = new Map<string, Running>();
  /** The questions of the 2026-07-28 tasks running here. */
  private readonly inputs = new Map<string, TaskInputs>();
  /** The open questions of the 2026-07-28 durable tasks running here, which ask through their runs. */
  private readonly runQuestions = new Map<string, Readonly<Record<string, InputRequest>>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly changeListeners = new Set<(taskId: string) => void>();
  private watchTimer: ReturnType<typeof setInterval> | undefined;
  /** Set by close(): durable executions stopped here are left for another replica. */
  private closing = false;
  private lastExpiry = 0;

  constructor(
    options: TaskOptions = {},
    private readonly logger: Logger = noopLogger,
  ) {
    this.store = options.store ?? new InMemoryTaskStore();
    this.defaultTtlMs = options.defaultTtlMs ?? 3_600_000;
    this.maxTtlMs = options.maxTtlMs ?? 86_400_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.watchIntervalMs = options.watchIntervalMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.maxRunning = options.maxRunning ?? 64;
    this.pageSize = options.pageSize ?? 50;
    this.runnerId = options.runnerId ?? globalThis.crypto.randomUUID();
    this.durable = options.durable;
    this.durableReadyWaitMs = options.durableReadyWaitMs ?? RUN_ENGINE_WAIT_MS;
  }

  /**
   * Calls `listener` with the id of a task whose status this process changed (its run ended, asked the client or
   * was answered, it was cancelled here), once the store holds the change. The returned function stops it.
   */
  onTaskChange(listener: (taskId: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Number of tasks this process is running. */
  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Creates a task for `owner` and starts `work` in the background; resolves with the task as soon as it is
   * stored. The outcome is stored when the work ends, unless the task was cancelled first.
   */
  async start(owner: string, method: string, requestedTtlMs: number | undefined, work: TaskWork): Promise<TaskWire> {
    return taskToWire(await this.begin(owner, method, requestedTtlMs, work));
  }

  /**
   * {@link start}, resolving with the stored record (durable before this resolves); `classify` decides the
   * terminal status of the outcome.
   */
  async begin(
    owner: string,
    method: string,
    requestedTtlMs: number | undefined,
    work: TaskWork,
    classify: TaskClassifier = failOnToolError,
  ): Promise<TaskRecord> {
    if (this.running.size >= this.maxRunning) {
      throw new ProtocolError(
        'TOO_MANY_TASKS',
        `This server is already running ${this.maxRunning} tasks; try again later.`,
      );
    }
    this.expireNow();
    const task = await this.store.create({
      owner,
      method,
      ttlMs: this.ttlOf(requestedTtlMs),
      pollIntervalMs: this.pollIntervalMs,
      runner: this.runnerId,
      leaseMs: this.leaseMs,
    });
    this.runHere(task.taskId, this.runnerId, work, classify);
    return task;
  }

  /**
   * Creates a task for `owner` whose call is a durable run ({@link TaskOptions.durable}) and submits the call;
   * resolves with the stored task. `undefined` when the server has no durable runs: the caller then runs the task
   * here ({@link begin}).
   *
   * @throws UnavailableError when the engine is not up within `durableReadyWaitMs` (a task run here, unrecorded,
   *   could not be resumed; the engine starts with the server, so a retry soon finds it); the port's error when its
   *   queue is full. Either before the task is stored, but for a queue filled by other calls between the port's
   *   look and its enqueue: that task is stored, then failed as not queued.
   *
   * No process holds the lease of a queued run, or of one moving off a dead replica: the task's lease is its TTL,
   * and the run's own end fails the task when the run ends without its outcome (see {@link require}).
   */
  async beginDurable(
    owner: string,
    requestedTtlMs: number | undefined,
    call: Omit<DurableTaskCall, 'taskId'>,
  ): Promise<TaskRecord | undefined> {
    const durable = this.durable;
    if (!durable) return undefined;
    await requireRunEngine(durable, this.durableReadyWaitMs, 'this task');
    await durable.admit(call);
    this.expireNow();
    const ttlMs = this.ttlOf(requestedTtlMs);
    // Stored with a process's short lease until its run is queued: a server that dies in between leaves a task that
    // fails as abandoned within the lease, rather than one that shows working, with no run, until its TTL.
    const task = await this.store.create({
      owner,
      method: 'tools/call',
      ttlMs,
      pollIntervalMs: this.pollIntervalMs,
      runner: DURABLE_TASK_RUNNER,
      leaseMs: Math.min(this.leaseMs, ttlMs),
    });
    try {
      await durable.submit({ ...call, taskId: task.taskId }, owner);
    } catch (error) {
      const reason = 'The task could not be queued; run the request again.';
      await this.store
        .finish(task.taskId, 'failed', { result: { content: [{ type: 'text', text: reason }], isError: true } }, reason)
        .catch(() => undefined);
      throw error;
    }
    // Queued: no process holds it now, so its lease is its TTL (see above).
    await this.store
      .renew(DURABLE_TASK_RUNNER, [task.taskId], ttlMs)
      .catch((error: unknown) => this.logger.warn('task store: a queued task kept its short lease', { err: error }));
    return task;
  }

  /**
   * Executes a durable task's call in this process, for its engine (`McpServer.executeTask`): on the replica that
   * took the run from the queue, or one resuming it after its replica died. A task that has ended or expired (it was
   * cancelled before its run started, or an earlier execution stored its outcome) is left as it is. Resolves with
   * the task's status once its outcome is stored (`expired`: the task is gone); an execution stopped by
   * {@link close} never resolves (its run is left pending, for another replica to resume). `cancelled`: aborted
   * once the task's run is cancelled, on any replica (its journal's signal): the execution stops then, not at its
   * next step or watch, and stores nothing (whoever cancelled the run says what became of the task).
   */
  async execute(
    taskId: string,
    owner: string,
    work: TaskWork,
    classify: TaskClassifier = failOnToolError,
    cancelled?: AbortSignal,
  ): Promise<TaskStatus | 'expired'> {
    const task = await this.store.get(taskId, owner);
    if (task && !isTerminalStatus(task.status)) {
      await (this.running.get(taskId)?.done ?? this.runHere(taskId, DURABLE_TASK_RUNNER, work, classify, cancelled));
      // Stopped by close(): never settles, so that the run is not recorded as finished and resumes elsewhere.
      if (this.closing) await new Promise<never>(() => undefined);
    }
    return (await this.store.get(taskId, owner))?.status ?? 'expired';
  }

  /** Runs a task's work in the background, holding its lease under `runner`; resolves once its outcome is stored. */
  private runHere(
    taskId: string,
    runner: string,
    work: TaskWork,
    classify: TaskClassifier,
    cancelled?: AbortSignal,
  ): Promise<void> {
    const controller = new AbortController();
    const stop = () => controller.abort(cancelled?.reason ?? new CancelledError('The task’s run was cancelled'));
    if (cancelled?.aborted) stop();
    cancelled?.addEventListener('abort', stop, { once: true });
    const done = this.run(taskId, controller.signal, work, classify).finally(() => {
      cancelled?.removeEventListener('abort', stop);
      this.running.delete(taskId);
      this.inputs.delete(taskId);
      this.runQuestions.delete(taskId);
      this.waitingOnClient.delete(taskId);
      this.wake(taskId);
      if (this.running.size === 0) this.stopWatching();
    });
    this.running.set(taskId, { controller, done, runner });
    this.startWatching();
    return done;
  }

  private ttlOf(requestedTtlMs: number | undefined): number {
    return Math.min(Math.max(1, Math.floor(requestedTtlMs ?? this.defaultTtlMs)), this.maxTtlMs);
  }

  /**
   * Where the run of a task running here asks its client: open questions turn the task `input_required` (with
   * the questions on `tasks/get` here) until `tasks/update` answers them.
   */
  inputsFor(taskId: string, signal: AbortSignal): TaskInputs {
    // A failure is logged (showWaiting): the task shows the questions at its next change.
    const inputs = new TaskInputs(signal, (open) => void this.showQuestions(taskId, open).catch(() => undefined));
    this.inputs.set(taskId, inputs);
    return inputs;
  }

  /**
   * A 2026-07-28 durable task's run waits on `open` now (`{}`: on none), asked through its run (see
   * `ParkedInputs.forTask`): the task is `input_required` with them meanwhile, on `tasks/get` on every replica, and
   * progress made meanwhile leaves it so; `tasks/update` on any replica delivers the answers to the run.
   * @throws the store's error, when it could not store them (the run reports them again)
   */
  async runAsks(taskId: string, open: Readonly<Record<string, InputRequest>>): Promise<void> {
    if (Object.keys(open).length > 0) this.runQuestions.set(taskId, open);
    else this.runQuestions.delete(taskId);
    await this.showQuestions(taskId, open);
  }

  /** Stores the task's open questions (none: it is `working` again) and wakes its waiters. */
  private showQuestions(taskId: string, open: Readonly<Record<string, InputRequest>>): Promise<void> {
    if (Object.keys(open).length === 0) return this.showWaiting(taskId, undefined);
    // Stored, so that tasks/get on any replica shows them and tasks/update on any replica can check answers.
    return this.showWaiting(taskId, 'Waiting for the client to answer', { ...open });
  }

  /**
   * A 2025-11-25 durable task's run waits for its client's answer (asked through `tasks/result`: see
   * `legacy-task-questions.ts`), or no longer does. The task is `input_required` meanwhile, on `tasks/get` on every
   * replica (where the 2025-11-25 client learns to call `tasks/result`), and progress made meanwhile leaves it so.
   */
  async waitOnClient(taskId: string, waiting: boolean): Promise<void> {
    if (waiting) this.waitingOnClient.add(taskId);
    else this.waitingOnClient.delete(taskId);
    await this.showWaiting(
      taskId,
      waiting ? 'Waiting for the client to answer: call tasks/result to be asked' : undefined,
    ).catch(() => undefined); // logged: the run's wait goes on, and tasks/result asks it all the same
  }

  /**
   * Stores that the task waits for its client, saying so (`message`) with its open questions, or (no message) that
   * it is `working` again; then wakes its waiters. @throws the store's error, logged
   */
  private async showWaiting(
    taskId: string,
    message: string | undefined,
    inputRequests?: Record<string, InputRequest>,
  ): Promise<void> {
    try {
      await this.store.setStatus(taskId, undefined, message ? 'input_required' : 'working', message, inputRequests);
    } catch (error) {
      this.logger.warn('task store: status update failed', { taskId, err: error });
      throw error;
    }
    this.wake(taskId);
  }

  /** The open questions of a task running here, if it asked any. */
  openInputs(taskId: string): Record<string, InputRequest> | undefined {
    const asked = this.runQuestions.get(taskId);
    return asked ? { ...asked } : this.inputs.get(taskId)?.open();
  }

  /**
   * `tasks/update`: delivers answers to the owner's task (-32602 when unknown or someone else's, or for a malformed
   * answer). Answers to no open question are ignored, as for a task that ended. A task waiting in another server
   * process gets them through the store, which that process reads at its next watch (as it learns of a cancel).
   */
  async answer(taskId: string, owner: string, responses: Readonly<Record<string, unknown>>): Promise<void> {
    const task = await this.require(taskId, owner);
    const inputs = this.inputs.get(taskId);
    if (inputs) return inputs.answer(responses);
    if (await this.answerRun(task, responses)) return;
    if (task.status !== 'input_required') return;
    if (!this.store.sendInputs) {
      throw new ProtocolError(
        'TASK_ELSEWHERE',
        `Task ${taskId} waits for input in another server process; send tasks/update again (it may reach that one)`,
      );
    }
    // Checked here as the runner would check them, so a malformed answer is this request's -32602.
    const open = (task.inputRequests ?? {}) as Readonly<Record<string, InputRequest | undefined>>;
    const answers: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(responses)) {
      const question = open[key];
      if (!question) continue;
      const answer = parseAnswer(question.method, key, value);
      if (answer instanceof ProtocolError) throw answer;
      answers[key] = answer;
    }
    if (Object.keys(answers).length > 0) await this.store.sendInputs(taskId, owner, answers);
  }

  /**
   * Delivers answers to the questions a durable task's run waits on (its event `TASK_QUESTIONS_EVENT`), each to its
   * question's topic in the run's mailbox, where the run records it: checked first (a malformed answer is -32602
   * naming its key, and nothing is delivered), answers to no open question ignored. False when the task's run
   * publishes no questions (not a durable 2026-07-28 task, or one whose run predates them).
   */
  private async answerRun(task: TaskRecord, responses: Readonly<Record<string, unknown>>): Promise<boolean> {
    if (!this.durable || isTerminalStatus(task.status) || this.running.get(task.taskId)?.runner === this.runnerId)
      return false;
    const open = await this.durable.openQuestions(task.taskId);
    if (!open) return false;
    const deliveries: Array<[string, string, Record<string, unknown>]> = [];
    for (const [key, value] of Object.entries(responses)) {
      const question = Object.hasOwn(open, key) ? open[key] : undefined;
      if (!question) continue;
      const answer = parseAnswer(question.method, key, value);
      if (answer instanceof ProtocolError) throw answer;
      deliveries.push([key, question.seq, answer]);
    }
    // `repeated` (answered already) and `gone` (the run ended) deliver nothing, as an answer to no open question.
    for (const [key, seq, answer] of deliveries) await this.durable.deliver(task.taskId, seq, { [key]: answer });
    return true;
  }

  /** The owner's task as stored; -32602 when it is unknown or someone else's. */
  record(taskId: string, owner: string): Promise<TaskRecord> {
    return this.require(taskId, owner);
  }

  /**
   * Cancels the owner's task unless it already ended (then nothing changes: cancelling is idempotent); -32602 when
   * it is unknown. Its run stops here at once, on another replica at that one's next watch.
   */
  async stop(taskId: string, owner: string): Promise<void> {
    const current = await this.require(taskId, owner);
    if (isTerminalStatus(current.status)) return;
    await this.cancelled(taskId, owner);
  }

  /** `tasks/get`. */
  async get(taskId: string, owner: string): Promise<TaskWire> {
    return taskToWire(await this.require(taskId, owner));
  }

  /** `tasks/list`. */
  async list(owner: string, cursor: string | undefined): Promise<{ tasks: TaskWire[]; nextCursor?: string }> {
    try {
      const page = await this.store.list(owner, { cursor, limit: this.pageSize });
      return { tasks: page.tasks.map(taskToWire), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    } catch (error) {
      if (error instanceof InvalidTaskCursorError)
        throw new ProtocolError('INVALID_CURSOR', 'Invalid params: unknown cursor');
      throw error;
    }
  }

  /** `tasks/cancel`: marks the task cancelled and aborts its run if it runs here (other replicas notice on their next watch). */
  async cancel(taskId: string, owner: string): Promise<TaskWire> {
    const current = await this.require(taskId, owner);
    if (isTerminalStatus(current.status)) {
      throw new ProtocolError('TASK_TERMINAL', `Invalid params: task ${taskId} is already ${current.status}`);
    }
    const cancelled = await this.cancelled(taskId, owner);
    // It may have ended between the read and the update: report what it is now.
    return taskToWire(cancelled ?? (await this.require(taskId, owner)));
  }

  /** Marks a running task cancelled and stops its run; the stored record, unless it ended meanwhile. */
  private async cancelled(taskId: string, owner: string): Promise<TaskRecord | undefined> {
    // The recorded run is cancelled before anything stops its execution (here, or on the replica that sees the task
    // cancelled): stopped first, it could end and be recorded a success before the cancel lands, and an outcome is
    // recorded only over a run still pending.
    await this.cancelRun(taskId);
    const cancelled = await this.store.setStatus(taskId, owner, 'cancelled', 'Cancelled by the client.');
    this.running.get(taskId)?.controller.abort(new CancelledError('Task cancelled by the client'));
    this.wake(taskId);
    return cancelled;
  }

  /**
   * `tasks/result`: waits until the task is terminal (bounded by `signal`, the request's own), then returns
   * the outcome with the related-task `_meta`. Cancelled and abandoned tasks answer with an error result. With
   * `asker` (a 2025-11-25 request, on a server with durable tasks), the wait asks the questions the task's run waits
   * on, on the request's stream (see `legacy-task-questions.ts`).
   */
  async result(
    taskId: string,
    owner: string,
    signal: AbortSignal,
    asker?: { readonly call: Call; readonly questions: LegacyTaskQuestions },
  ): Promise<TaskOutcome> {
    const ended = async () => {
      const task = await this.store.get(taskId, owner);
      return !task || isTerminalStatus(task.status);
    };
    let asking: Promise<void> | undefined;
    for (;;) {
      const task = await this.require(taskId, owner);
      if (isTerminalStatus(task.status)) {
        const outcome = await this.store.outcome(taskId, owner);
        if (outcome && 'error' in outcome) return outcome;
        const result = outcome?.result ?? {
          content: [
            {
              type: 'text',
              text:
                task.status === 'cancelled' ? 'The task was cancelled.' : (task.statusMessage ?? 'The task failed.'),
            },
          ],
          isError: true,
        };
        const meta = (result._meta as Record<string, unknown> | undefined) ?? {};
        return { result: { ...result, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId } } } };
      }
      // Only a durable task's run asks through tasks/result: a task this process runs as its own is not one.
      if (!asker || !this.durable || this.running.get(taskId)?.runner === this.runnerId) {
        await this.waitForChange(taskId, signal);
        continue;
      }
      // A change made here wakes it too (a task of this process ending); a wait under way (an ask, say) goes on
      // meanwhile, and the next look goes on with it.
      asking ??= asker.questions
        .next(asker.call, taskId, this.pollIntervalMs, ended)
        .finally(() => (asking = undefined));
      asking.catch(() => undefined);
      const changed = this.waitForChange(taskId, signal);
      try {
        await Promise.race([asking, changed]);
      } catch (error) {
        if (signal.aborted) throw error;
        // The run could not be read (its engine down, say): the task's outcome is still in the store, so wait for it
        // as for any task; the next look asks again.
        this.logger.warn('durable task runs: could not ask a task’s questions', { taskId, err: error });
        await changed;
      }
    }
  }

  /** Updates the status message of a running task (progress made visible through `tasks/get`). */
  async setStatusMessage(taskId: string, message: string): Promise<void> {
    // A task waiting for its client keeps saying so, with its open questions: progress made meanwhile (a heartbeat)
    // must not turn it `working` and hide the questions from tasks/get.
    const open = this.inputs.get(taskId)?.open();
    if ((open && Object.keys(open).length > 0) || this.runQuestions.has(taskId) || this.waitingOnClient.has(taskId))
      return;
    await this.store.setStatus(taskId, undefined, 'working', message);
  }

  /**
   * Stops: waits up to `graceMs` for running tasks, then aborts the rest and fails them with `reason`, so
   * none is left working. Durable tasks executing here are stopped at once and left to their engine, which resumes
   * them on a live replica.
   */
  async close(
    graceMs = 0,
    reason = 'The server shut down before the task finished; run the request again.',
  ): Promise<void> {
    // A durable task is not failed: its execution here stops (before the tools' pools close under it) and never
    // settles, so its run stays pending and the engine hands it to a live replica, where it resumes.
    this.closing = true;
    for (const run of this.running.values())
      if (run.runner === DURABLE_TASK_RUNNER) run.controller.abort(new CancelledError('The server is stopping'));
    const all = [...this.running.values()].filter((r) => r.runner !== DURABLE_TASK_RUNNER);
    if (graceMs > 0 && all.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled(all.map((r) => r.done)),
        new Promise((r) => (timer = setTimeout(r, graceMs))),
      ]);
      clearTimeout(timer);
    }
    const left = [...this.running.entries()].filter(([, r]) => r.runner !== DURABLE_TASK_RUNNER);
    for (const [taskId, run] of left) {
      run.controller.abort(new CancelledError(reason));
      await this.store
        .finish(taskId, 'failed', { result: { content: [{ type: 'text', text: reason }], isError: true } }, reason)
        .catch((error: unknown) =>
          this.logger.error('task store: could not fail a task at shutdown', { taskId, err: error }),
        );
    }
    await Promise.allSettled(left.map(([, r]) => r.done));
    this.stopWatching();
  }

  private async run(taskId: string, signal: AbortSignal, work: TaskWork, classify: TaskClassifier): Promise<void> {
    let outcome: TaskOutcome;
    try {
      outcome = await work(signal, taskId);
    } catch (error) {
      if (signal.aborted || error instanceof CancelledError) return; // cancelled: the store already says so
      this.logger.error('task failed', { taskId, err: error });
      outcome = { error: { code: JsonRpcErrorCode.InternalError, message: 'Internal error' } };
    }
    if (signal.aborted) return;
    const ended = classify(outcome);
    try {
      await this.store.finish(taskId, ended.status, ended.outcome);
    } catch (error) {
      this.logger.error('task store: could not store a task outcome', { taskId, err: error });
    }
  }

  /**
   * The owner's task as stored (-32602 when unknown or someone else's). A live durable task whose run ended without
   * storing its outcome (it could not be resumed, or failed outside the call) is failed first, saying why: its lease
   * will not, being its TTL.
   */
  private async require(taskId: string, owner: string): Promise<TaskRecord> {
    const task = await this.store.get(taskId, owner);
    if (!task) throw new ProtocolError('TASK_NOT_FOUND', `Invalid params: task ${taskId} not found`);
    if (!this.durable || isTerminalStatus(task.status) || this.running.has(taskId)) return task;
    const reason = await this.durable.lostReason(taskId).catch((error: unknown) => {
      this.logger.warn('durable task runs: could not read a run', { taskId, err: error });
      return undefined;
    });
    if (reason === undefined) return task;
    const outcome = { result: { content: [{ type: 'text', text: reason }], isError: true } };
    if (await this.store.finish(taskId, 'failed', outcome, reason)) this.wake(taskId);
    return (await this.store.get(taskId, owner)) ?? task;
  }

  /** Cancels a task's durable run, if it is one, wherever it runs (in the background: the store already says so). */
  private async cancelRun(taskId: string): Promise<void> {
    await this.durable
      ?.cancel(taskId)
      .catch((error: unknown) => this.logger.warn('durable task runs: could not cancel a run', { taskId, err: error }));
  }

  /** Resolves at the next local change of the task or after a poll interval; rejects when `signal` aborts. */
  private waitForChange(taskId: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason ?? new CancelledError());
      const set = this.waiters.get(taskId) ?? new Set<() => void>();
      this.waiters.set(taskId, set);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(taskId) === set) this.waiters.delete(taskId);
        resolve();
      };
      const onAbort = () => {
        done();
        reject(signal.reason ?? new CancelledError());
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      set.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wake(taskId: string): void {
    for (const waiter of [...(this.waiters.get(taskId) ?? [])]) waiter();
    for (const listener of this.changeListeners) {
      try {
        listener(taskId);
      } catch (error) {
        this.logger.warn('task change listener failed', { taskId, err: error });
      }
    }
  }

  private startWatching(): void {
    if (this.watchTimer) return;
    this.watchTimer = setInterval(() => void this.watch(), this.watchIntervalMs);
    this.watchTimer.unref?.();
  }

  private stopWatching(): void {
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  /** Renews the leases of the tasks running here and aborts those cancelled elsewhere. */
  private async watch(): Promise<void> {
    if (this.running.size === 0) return;
    const byRunner = new Map<string, string[]>();
    for (const [id, run] of this.running) byRunner.set(run.runner, [...(byRunner.get(run.runner) ?? []), id]);
    try {
      for (const [runner, ids] of byRunner) {
        // A durable task's lease is its TTL (see beginDurable): renewing keeps it so, and says if it was cancelled.
        const alive = await this.store.renew(runner, ids, runner === this.runnerId ? this.leaseMs : this.maxTtlMs);
        for (const id of ids) {
          if (!alive.has(id)) this.running.get(id)?.controller.abort(new CancelledError('Task cancelled'));
        }
        await this.takeInputs(
          runner,
          ids.filter((id) => alive.has(id)),
        );
      }
    } catch (error) {
      this.logger.warn('task store: lease renewal failed', { err: error });
    }
  }

  /** Delivers the answers other replicas stored for the tasks waiting here (asked only while one waits). */
  private async takeInputs(runner: string, ids: readonly string[]): Promise<void> {
    const waiting = ids.filter((id) => Object.keys(this.inputs.get(id)?.open() ?? {}).length > 0);
    if (waiting.length === 0 || !this.store.takeInputs) return;
    for (const [id, responses] of await this.store.takeInputs(runner, waiting)) {
      try {
        this.inputs.get(id)?.answer(responses);
      } catch (error) {
        // Checked by the replica that stored them; a question asked again since may want another shape.
        this.logger.warn('task inputs from another replica could not be delivered', { taskId: id, err: error });
      }
    }
  }

  /** Deletes expired tasks, at most once a minute, off the request's path. */
  private expireNow(): void {
    const now = Date.now();
    if (now - this.lastExpiry < 60_000) return;
    this.lastExpiry = now;
    void this.store
      .deleteExpired()
      .catch((error: unknown) => this.logger.warn('task store: expiry failed', { err: error }));
  }
}
