import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import { type RunRequest } from '@agent-mcp/agent-core';
import { type Logger, noopLogger } from '@agent-mcp/context';
import type pg from 'pg';
import { z } from 'zod';
import { createRunsPool, type Engine, handOverRuns, launchEngine, type RunRecord } from './dbos-engine';
import { watchCancel } from './cancel-watch';
import { scopedJournal, type StepRecording, workflowJournal } from './dbos-journal';
import {
  DurableRunsInUseError,
  InvalidRunsOptionsError,
  RunNotResumableError,
  RunOfOtherFormatError,
  RunQueueFullError,
  RunWaitTimeoutError,
} from './errors';
import { type LocalRunsOptions, type RunContextJournal, type RunsStats } from './local-runs';
import { holdLaunchLock } from './launch-lock';
import { QueueAdmission } from './queue-admission';
import { markHandedOver, readQueuedStart } from './queued-start';
import { ReplicaLiveness } from './replica-liveness';
import { RUN_FORMAT_DDL, readRunRecord } from './run-format';
import { RUN_MAILBOX_DDL, RunMailbox } from './run-mailbox';
import { RunRetention } from './run-retention';
import { installStatusSignal } from './run-signal-ddl';
import { type RunChanges, RunSignals, type RunWatch, SIGNAL } from './run-signals';
import { SignalListener } from './signal-listener';
import { type ReleaseSlot, RunSlots } from './run-slots';
import { RUN_STEPS_DDL, StepRecords } from './step-records';

/** Options of {@link createDurableRuns}: the queue's limits plus where and how runs are recorded. */
export interface DurableRunsOptions extends LocalRunsOptions {
  /** The PostgreSQL database the runs are recorded in (schema `agent_runs`): the application database. */
  readonly databaseUrl: string;
  /** How often this replica refreshes its liveness row, ms. Default 2000. */
  readonly heartbeatMs?: number;
  /** A replica whose row is this old is dead and its runs resume elsewhere, ms. Default 15000. */
  readonly recoveryAfterMs?: number;
  /** How many times a run may move to another replica (at least 1); at the next move it is given up. Default 3. */
  readonly maxResumes?: number;
  /** `async` (default): checkpoints commit without waiting for the disk; `sync`: they wait (2-5 ms per step). */
  readonly checkpointCommit?: 'async' | 'sync';
  /** How often the queue is polled for runs to start, ms. Default 100. */
  readonly queuePollMs?: number;
  /** Connections of the runs' own pool. Default 6. */
  readonly poolSize?: number;
  /**
   * How long a call started here (`startHere`) and resumed on another replica waits there for a slot for its
   * principal, ms; past it the run fails (`RunWaitTimeoutError`) rather than hold its caller. Default 600000.
   */
  readonly resumeSlotWaitMs?: number;
  /** Finished runs are deleted after this many hours. Default 24. */
  readonly retentionHours?: number;
  /** This process's executor id. Default `<hostname>-<pid>-<random>`, new at every start. */
  readonly executorId?: string;
  /**
   * How model turns and tool calls are recorded: `table` (default), one row each in `agent_runs.run_steps`; `dbos`,
   * a DBOS step each (several times the cost, measured in the bench beside it).
   */
  readonly steps?: StepRecording;
  readonly logger?: Logger;
}

/**
 * Where a recorded run is ({@link DurableRuns.status}): `queued` (waiting for a replica), `running` (on a replica,
 * or waiting to be moved off a dead one), `completed`, `failed` (its work threw, or no replica could run its kind),
 * `cancelled`, `given_up` (its replica stopped more often than `maxResumes` allows: it is not resumed again),
 * `stranded` (queued or running under another run format, `format`, and no replica of that format was seen for
 * several recovery delays, two minutes at least: `run-format.ts`; DBOS resumes and dequeues a run only on replicas of
 * its own format, so nothing will run it; a replica of that format that starts again would).
 */
export interface RunStatus {
  readonly state: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'given_up' | 'stranded';
  /** How many times a replica started the run: 1 for a run that never moved. */
  readonly starts: number;
  /** The run format it was recorded under (DBOS's application version); `''` for a run recorded without one. */
  readonly format: string;
}

/** A run put on the queue with {@link DurableRuns.submit}. */
export interface DurableRunHandle<O> {
  readonly runId: string;
  /**
   * The run's result once it finishes, on whichever replica it finished, waiting at most `timeoutMs` (default one
   * hour). Rejects with the run's error if it failed; with RunOfOtherFormatError at once when nothing will resume it
   * (stranded, see {@link RunStatus}); with RunWaitTimeoutError when it has not finished in time (it may still:
   * {@link DurableRuns.result} and {@link DurableRuns.status} look again).
   */
  result(options?: { timeoutMs?: number }): Promise<O>;
}

/** Agent runs recorded in PostgreSQL (DBOS Transact): a run whose replica dies resumes on a live one. */
export interface DurableRuns {
  readonly kind: 'durable';
  readonly executorId: string;
  /**
   * Declares a kind of run that any replica can resume: `work` is called with the run's recorded input and its
   * journal, on the replica that dequeues the run, and again on another one from its last completed step if that
   * replica dies. Every replica must define the same kinds, before {@link DurableRuns.start}.
   */
  define<I, O>(kind: string, work: (input: I, journal: RunContextJournal) => Promise<O>): void;
  /** Loads and launches DBOS, starts the heartbeat, the sweeper and the retention. Idempotent; `run` calls it. */
  start(): Promise<void>;
  /**
   * Whether the run engine is up, waiting at most `waitMs` for it (starting it if needed): what a caller that would
   * rather run unrecorded than wait asks before {@link DurableRuns.submit}.
   */
  ready(waitMs: number): Promise<boolean>;
  /**
   * Runs `work` in this process once a slot is free here (per replica and per principal), as a DBOS workflow whose
   * steps are recorded. The work is a closure of this process: if the process dies, no other replica can run it,
   * and the replica that finds the run ends it as not resumable (its caller's connection ended with the process).
   *
   * Called inside the work of a defined kind (a queued run whose work runs an agent), it takes no slot and starts
   * no workflow: `work` gets that run's journal (its steps named under `run.<n>/`, n counting such calls of the run
   * in call order), so it is recorded and resumed with the run that called it.
   */
  run<T>(request: RunRequest, work: (journal: RunContextJournal) => Promise<T>): Promise<T>;
  /**
   * Refuses a run that would wait on a full queue: resolves when fewer than `maxQueued` runs wait on the shared
   * queue (across replicas), the bound {@link DurableRuns.run} keeps per replica. Asked before
   * {@link DurableRuns.submit} by a caller that stores something for the run first (a task), so that the common
   * refusal comes before it stores anything: a look, which {@link DurableRuns.submit} makes again atomically with
   * its enqueue. A run counts from its enqueue until a replica takes it (up to one queue poll on an idle queue). A
   * refusal is told to the observer (`onRunRefused`, the run's `label`).
   * @throws RunQueueFullError
   */
  admit(options: { label: string }): Promise<void>;
  /**
   * Puts a run of a defined kind on the queue (limits per replica and per principal, across replicas); any replica
   * runs it, and a live one resumes it if its replica dies. `input` is recorded, so it must be JSON. `label`: what
   * the run is called in the runs' metrics (the observer's `kind`, told when a replica starts it), default `kind`.
   * Refused when `maxQueued` runs wait on the queue: counted and enqueued under a lock every replica takes (a
   * PostgreSQL advisory lock held from the count to the enqueue's commit), so concurrent submits, on one replica or
   * several, never pass the bound together; a refusal is told to the observer (`onRunRefused`).
   * @throws RunQueueFullError
   */
  submit<O>(
    kind: string,
    input: unknown,
    options: { principal: string; runId?: string; label?: string },
  ): Promise<DurableRunHandle<O>>;
  /**
   * Starts a run of a defined kind in this process, once a slot is free here (per replica and per principal), and
   * resolves once it is recorded and started; the slot is held until the run ends here. Unlike {@link DurableRuns.run}, whose
   * work is a closure, the run's `input` is recorded (JSON), so a live replica resumes it from its last completed
   * step if this one dies: what a call whose caller may come back to another replica (a call parked on a question
   * for its client) needs, while its progress still reaches a caller waiting on this replica. `label`: what the
   * run is called in the runs' metrics (the observer's `kind`), default `kind` (a parked call names its tool).
   * A replica that resumes it takes a slot there for its principal before its work goes on.
   */
  startHere<O>(
    kind: string,
    input: unknown,
    options: { principal: string; runId?: string; signal: AbortSignal; label?: string },
  ): Promise<DurableRunHandle<O>>;
  /**
   * The result of the run `runId` (queued or inline, on any replica), waiting up to `timeoutMs` for it to finish:
   * `undefined` if it has not. Rejects with the run's error if it failed, with RunOfOtherFormatError when it is
   * stranded (nothing will resume it, {@link RunStatus}).
   */
  result<O>(runId: string, options: { timeoutMs: number }): Promise<O | undefined>;
  /**
   * Cancels the run `runId` wherever it is: a queued run never starts, a running one stops at its next step and its
   * journal's `signal` aborts on the replica running it (woken through `LISTEN`), and a cancelled run is never resumed. Nothing happens to a run that has finished or does not exist.
   */
  cancel(runId: string): Promise<void>;
  /** Where the run `runId` is; `undefined` for a run this database does not hold (never recorded, or deleted). */
  status(runId: string): Promise<RunStatus | undefined>;
  /**
   * Sends `message` to the run `runId` on `topic`, on whatever replica it runs (or will resume).
   * @returns false when `idempotencyKey` was sent to this run before: nothing is delivered
   * @throws RunNotFoundError when the run is not queued or running
   */
  send(runId: string, topic: string, message: unknown, idempotencyKey?: string): Promise<boolean>;
  /** Whether a message under `idempotencyKey` was sent to the run `runId`. */
  sent(runId: string, idempotencyKey: string): Promise<boolean>;
  /** The run's event `key`, waiting up to `timeoutMs` for it (`undefined` then). */
  readEvent(runId: string, key: string, options: { timeoutMs: number }): Promise<unknown>;
  /**
   * Watches the run `runId` for `changes`, for a caller that waits on several things of a run (a parked call's
   * request: its outcome or its next question) and looks at them itself after each wake. Wakes come at once from
   * this process, and from other replicas through PostgreSQL `LISTEN`/`NOTIFY` (one connection per process, opened by
   * the first watch). A wake from another replica can be lost (a dropped connection): bound every `next`. Close it.
   */
  watch(runId: string, changes: RunChanges): RunWatch;
  /** Moves the runs of dead replicas now (the sweeper does it every second). @returns the runs moved */
  sweep(): Promise<string[]>;
  /** Deletes finished runs past their retention now (done every 10 minutes). @returns how many */
  deleteExpired(): Promise<number>;
  /** Runs of this process: inline runs (slots in use and waiting) and runs of the queue executing here. */
  stats(): RunsStats;
  /** Stops DBOS here and hands this replica's unfinished runs to the others at once. */
  close(): Promise<void>;
}

const OptionsSchema = z
  .object({
    databaseUrl: z.string().url(),
    concurrencyPerReplica: z.number().int().min(1).max(1000).default(8),
    concurrencyPerPrincipal: z.number().int().min(1).max(1000).default(2),
    maxQueued: z.number().int().min(0).max(100_000).default(256),
    heartbeatMs: z.number().int().min(100).max(60_000).default(2000),
    recoveryAfterMs: z.number().int().min(1000).max(600_000).default(15_000),
    maxResumes: z.number().int().min(1).max(100).default(3),
    checkpointCommit: z.enum(['async', 'sync']).default('async'),
    queuePollMs: z.number().int().min(10).max(10_000).default(100),
    poolSize: z.number().int().min(2).max(100).default(6),
    resumeSlotWaitMs: z.number().int().min(100).max(86_400_000).default(600_000),
    retentionHours: z
      .number()
      .min(0.01)
      .max(24 * 365)
      .default(24),
    executorId: z.string().min(1).max(200).optional(),
    steps: z.enum(['table', 'dbos']).default('table'),
  })
  .refine((o) => o.recoveryAfterMs >= 3 * o.heartbeatMs, {
    message: 'recoveryAfterMs must be at least 3 heartbeats, or a live replica could be declared dead',
    path: ['recoveryAfterMs'],
  });

/** DBOS's workflow statuses as {@link RunStatus} states. */
const RUN_STATES: Readonly<Record<string, RunStatus['state']>> = {
  ENQUEUED: 'queued',
  DELAYED: 'queued',
  PENDING: 'running',
  SUCCESS: 'completed',
  ERROR: 'failed',
  CANCELLED: 'cancelled',
  MAX_RECOVERY_ATTEMPTS_EXCEEDED: 'given_up',
};

/** How long a call waits for the run engine to come up before it runs unrecorded. */
const ENGINE_WAIT_MS = 1000;
/** How long a status read waits for the run engine before it answers that it does not know. */
const STATUS_ENGINE_WAIT_MS = 50;
/** DBOS's statuses of a run that has not finished. */
const UNFINISHED = new Set(['PENDING', 'ENQUEUED', 'DELAYED']);
/** How long a handle's `result()` waits by default. */
const RESULT_TIMEOUT_MS = 3_600_000;

/** What a run's end does once admitted ({@link DurableRunsImpl.admitHere}): gives its slot back, tells the observer. */
type RunEnd = (outcome: 'completed' | 'failed') => void;

/** The instance of this process: DBOS is one per process. */
let active: DurableRunsImpl | undefined;

/**
 * Agent runs on DBOS Transact over PostgreSQL, the implementation for `DATABASE_URL`: each run is a DBOS workflow,
 * each model turn and tool call a step recorded as it completes, so a run whose replica dies resumes on a live
 * replica from its last completed step. Nothing is loaded or connected until {@link DurableRuns.start} (or the
 * first run). One per process.
 *
 * @throws InvalidRunsOptionsError; DurableRunsInUseError when this process already has one open
 */
export function createDurableRuns(options: DurableRunsOptions): DurableRuns {
  const { observer, logger, ...limits } = options;
  const parsed = OptionsSchema.safeParse(limits);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRunsOptionsError(`Invalid runs option ${issue?.path.join('.')}: ${issue?.message}`);
  }
  if (active) throw new DurableRunsInUseError(active.executorId);
  const executorId =
    parsed.data.executorId ?? `${hostname()}-${process.pid}-${globalThis.crypto.randomUUID().slice(0, 8)}`;
  active = new DurableRunsImpl({ ...parsed.data, executorId }, logger ?? noopLogger, observer ?? {});
  return active;
}

type Settings = z.output<typeof OptionsSchema> & { readonly executorId: string };

/** What a launch opened. */
interface Started {
  readonly engine: Engine;
  readonly pool: pg.Pool;
  readonly records: StepRecords;
  readonly mailbox: RunMailbox;
  readonly liveness: ReplicaLiveness;
  readonly retention: RunRetention;
  readonly admission: QueueAdmission;
}

/** An inline run's closure and, once settled, its own outcome (DBOS hands back a copy; the caller gets this one). */
interface InlineRun {
  readonly work: (journal: RunContextJournal) => Promise<unknown>;
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
}

class DurableRunsImpl implements DurableRuns {
  readonly kind = 'durable' as const;
  readonly executorId: string;
  private readonly slots: RunSlots;
  private readonly signals: RunSignals;
  private readonly kinds = new Map<string, (input: unknown, journal: RunContextJournal) => Promise<unknown>>();
  private readonly inline = new Map<string, InlineRun>();
  /** Runs of the queue (defined kinds) executing in this process now: they hold no slot of `slots`. */
  private queuedRunning = 0;
  /** Runs of defined kinds this process started (`startHere`) and has not seen end: they hold their slot already. */
  private readonly startedHere = new Set<string>();
  /** The run of a defined kind whose work is executing, and how many agent runs that work started (see `run`). */
  private readonly current = new AsyncLocalStorage<{ readonly journal: RunContextJournal; nested: number }>();
  private starting: Promise<Started> | undefined;
  private closed = false;
  private unrecordedNoted = false;

  constructor(
    private readonly settings: Settings,
    private readonly logger: Logger,
    private readonly observer: NonNullable<LocalRunsOptions['observer']>,
  ) {
    this.executorId = settings.executorId;
    this.slots = new RunSlots({
      perReplica: settings.concurrencyPerReplica,
      perPrincipal: settings.concurrencyPerPrincipal,
      maxQueued: settings.maxQueued,
    });
    this.signals = new RunSignals(
      (signals) => new SignalListener({ databaseUrl: settings.databaseUrl, signals, logger: this.logger }),
    );
  }

  define<I, O>(kind: string, work: (input: I, journal: RunContextJournal) => Promise<O>): void {
    if (this.starting)
      throw new TypeError(`define("${kind}") after start(): every kind is defined before the runs start`);
    if (this.kinds.has(kind)) throw new TypeError(`The run kind "${kind}" is defined twice`);
    this.kinds.set(kind, work as (input: unknown, journal: RunContextJournal) => Promise<unknown>);
  }

  start(): Promise<void> {
    return this.started().then(() => undefined);
  }

  async ready(waitMs: number): Promise<boolean> {
    return (await this.engineWithin(waitMs, new AbortController().signal, false)) !== undefined;
  }

  async run<T>(request: RunRequest, work: (journal: RunContextJournal) => Promise<T>): Promise<T> {
    const enclosing = this.current.getStore();
    if (enclosing) {
      // The queued run already holds its slot (the queue's) and its workflow: this agent run is part of it.
      enclosing.nested += 1;
      return work(scopedJournal(enclosing.journal, `run.${enclosing.nested}`));
    }
    const queuedAt = performance.now();
    const ready = await this.engineWithin(ENGINE_WAIT_MS, request.signal);
    let release;
    try {
      release = await this.slots.acquire(request.principal, request.signal, () => {
        if (request.onQueued) shielded(request.onQueued);
      });
    } catch (error) {
      if (!request.signal.aborted) shielded(() => this.observer.onRunRefused?.({ kind: request.kind }));
      throw error;
    }
    const startedAt = performance.now();
    shielded(() => this.observer.onRunStarted?.({ kind: request.kind, waitMs: startedAt - queuedAt }));
    let outcome: 'completed' | 'failed' = 'failed';
    try {
      const value = ready
        ? await this.runRecorded(ready.engine, request, work)
        : await work(unrecordedJournal(globalThis.crypto.randomUUID()));
      outcome = 'completed';
      return value;
    } finally {
      release();
      const durationMs = performance.now() - startedAt;
      shielded(() => this.observer.onRunFinished?.({ kind: request.kind, durationMs, outcome }));
    }
  }

  /** An inline run as a workflow of this process; the caller gets the work's own value or error. */
  private async runRecorded<T>(
    engine: Engine,
    request: RunRequest,
    work: (journal: RunContextJournal) => Promise<T>,
  ): Promise<T> {
    const runId = globalThis.crypto.randomUUID();
    const entry: InlineRun = { work: work as InlineRun['work'] };
    this.inline.set(runId, entry);
    try {
      const handle = await engine.startHere(runId, { kind: request.kind, principal: request.principal, inline: true });
      await handle.getResult().catch((error: unknown) => {
        // The run's own error is thrown below as it was raised; anything else is DBOS's (a lost connection).
        if (!entry.outcome) throw error;
      });
      if (!entry.outcome) throw new Error(`The run ${runId} ended without an outcome`);
      if (!entry.outcome.ok) throw entry.outcome.error;
      return entry.outcome.value as T;
    } finally {
      this.inline.delete(runId);
    }
  }

  /**
   * The engine, if it is up within `ms` (starting it if needed); `undefined` while DBOS is still loading or its
   * database cannot be reached: a call then runs unrecorded rather than waiting (it could not be resumed anyway),
   * and the next call tries again. `note`: say so in the log (a call); a read that only asks says nothing.
   */
  private async engineWithin(ms: number, signal: AbortSignal, note = true): Promise<Started | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
    const starting = this.started().catch((error: unknown) => {
      if (note) this.logger.warn('agent runs: the run engine did not start; this call runs unrecorded', { err: error });
      return undefined;
    });
    try {
      const ready = await raceAbort(Promise.race([starting, late]), signal);
      if (!ready && note && !this.unrecordedNoted) {
        this.unrecordedNoted = true;
        this.logger.warn('agent runs: calls run unrecorded until the run engine is up (DBOS is starting)');
      }
      return ready;
    } finally {
      clearTimeout(timer);
    }
  }

  async admit(options: { label: string }): Promise<void> {
    const { admission } = await this.started();
    if (await admission.full()) throw this.refused(options.label);
  }

  /** Tells the observer that a run was refused by the full shared queue; the error to throw. */
  private refused(label: string): RunQueueFullError {
    shielded(() => this.observer.onRunRefused?.({ kind: label }));
    return new RunQueueFullError(this.settings.maxQueued, 5);
  }

  async submit<O>(
    kind: string,
    input: unknown,
    options: { principal: string; runId?: string; label?: string },
  ): Promise<DurableRunHandle<O>> {
    if (!this.kinds.has(kind)) throw new TypeError(`No run kind "${kind}" is defined`);
    const { engine, admission } = await this.started();
    const runId = options.runId ?? globalThis.crypto.randomUUID();
    const label = options.label === undefined ? {} : { label: options.label };
    const record = { kind, principal: options.principal, inline: false, input, ...label };
    if (!(await admission.enqueue(() => engine.enqueue(runId, record)))) throw this.refused(options.label ?? kind);
    // Waits on the run's status signal (it may finish on any replica), not on DBOS's 100 ms polls.
    return {
      runId,
      result: async (wait) => {
        const timeoutMs = wait?.timeoutMs ?? RESULT_TIMEOUT_MS;
        const found = await this.finishedResult(runId, timeoutMs);
        if (!found) throw new RunWaitTimeoutError(runId, 'result', timeoutMs);
        return found.value as O;
      },
    };
  }

  async startHere<O>(
    kind: string,
    input: unknown,
    options: { principal: string; runId?: string; signal: AbortSignal; label?: string },
  ): Promise<DurableRunHandle<O>> {
    if (!this.kinds.has(kind)) throw new TypeError(`No run kind "${kind}" is defined`);
    const { engine } = await this.started();
    const queuedAt = performance.now();
    const release = await this.slots.acquire(options.principal, options.signal);
    const startedAt = performance.now();
    const label = options.label ?? kind;
    shielded(() => this.observer.onRunStarted?.({ kind: label, waitMs: startedAt - queuedAt }));
    const runId = options.runId ?? globalThis.crypto.randomUUID();
    // Before the workflow starts: its body (execute) may run before startWorkflow resolves.
    this.startedHere.add(runId);
    let settled: Promise<unknown>;
    try {
      const record = { kind, principal: options.principal, inline: false, input, startedHere: true, label };
      const handle = await engine.startHere(runId, record);
      settled = handle.getResult();
    } catch (error) {
      this.startedHere.delete(runId);
      release();
      throw error;
    }
    settled.then(
      () => this.finished(runId, label, startedAt, 'completed', release),
      () => this.finished(runId, label, startedAt, 'failed', release),
    );
    return {
      runId,
      result: (wait) => settledWithin(settled as Promise<O>, runId, wait?.timeoutMs ?? RESULT_TIMEOUT_MS),
    };
  }

  private finished(
    runId: string,
    kind: string,
    startedAt: number,
    outcome: 'completed' | 'failed',
    release: () => void,
  ): void {
    this.startedHere.delete(runId);
    release();
    // A request waiting here for the run's outcome looks now, before the status trigger's notice comes back.
    this.signals.wake(runId, SIGNAL.status);
    const durationMs = performance.now() - startedAt;
    shielded(() => this.observer.onRunFinished?.({ kind, durationMs, outcome }));
  }

  async result<O>(runId: string, options: { timeoutMs: number }): Promise<O | undefined> {
    const found = await this.finishedResult(runId, options.timeoutMs);
    return (found?.value ?? undefined) as O | undefined;
  }

  /**
   * The run's result once it has finished (`{ value }`, DBOS's record of it; rejects with its error), looking at its
   * status when signalled and at the fallback interval; `undefined` after `timeoutMs`. A stranded run (nothing will
   * resume it) rejects at the first look that finds it so.
   */
  private async finishedResult(runId: string, timeoutMs: number): Promise<{ value: unknown } | undefined> {
    const { engine, pool } = await this.started();
    return this.signals.lookUntil(runId, { status: true }, timeoutMs, async () => {
      const record = await readRunRecord(pool, runId, this.settings.recoveryAfterMs);
      if (record?.stranded) throw new RunOfOtherFormatError(runId, record.format ?? '');
      // Unknown yet (a submit not committed), or not finished: look again when signalled.
      if (record === undefined || UNFINISHED.has(record.status)) return undefined;
      return { value: await engine.dbos.getResult<unknown>(runId, { timeoutSeconds: 0 }) };
    });
  }

  async cancel(runId: string): Promise<void> {
    const { engine } = await this.started();
    // An UPDATE of a run not finished yet; the next step's record (or DBOS's own check) stops it where it runs.
    await engine.dbos.cancelWorkflow(runId);
    // The run's own wait (a receive) and the requests waiting on it, in this process, end now.
    this.signals.wake(runId, SIGNAL.status);
  }

  async status(runId: string): Promise<RunStatus | undefined> {
    // Asked on every poll of a task: a replica whose engine is still starting answers "unknown" at once.
    const ready = await this.engineWithin(STATUS_ENGINE_WAIT_MS, new AbortController().signal, false);
    if (!ready) return undefined;
    const record = await readRunRecord(ready.pool, runId, this.settings.recoveryAfterMs);
    if (!record) return undefined;
    const state = record.stranded ? 'stranded' : (RUN_STATES[record.status] ?? 'running');
    return { state, starts: record.starts, format: record.format ?? '' };
  }

  async send(runId: string, topic: string, message: unknown, idempotencyKey?: string): Promise<boolean> {
    const { mailbox } = await this.started();
    return mailbox.send(runId, topic, message, idempotencyKey ?? globalThis.crypto.randomUUID());
  }

  async sent(runId: string, idempotencyKey: string): Promise<boolean> {
    const { mailbox } = await this.started();
    return mailbox.sent(runId, idempotencyKey);
  }

  async readEvent(runId: string, key: string, options: { timeoutMs: number }): Promise<unknown> {
    const { mailbox } = await this.started();
    return mailbox.readEvent(runId, key, options.timeoutMs);
  }

  watch(runId: string, changes: RunChanges): RunWatch {
    return this.signals.watch(runId, changes);
  }

  async sweep(): Promise<string[]> {
    const { liveness } = await this.started();
    return liveness.sweep();
  }

  async deleteExpired(): Promise<number> {
    const { retention } = await this.started();
    return retention.pass();
  }

  stats(): RunsStats {
    const inline = this.slots.stats();
    return { ...inline, running: inline.running + this.queuedRunning };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // First: no reconnection may start while the rest closes. Watches still open end by their own timeouts.
      await this.signals.close();
      const parts = await this.starting?.catch(() => undefined);
      if (!parts) return;
      await Promise.all([parts.liveness.stop(), parts.retention.stop()]);
      await parts.engine.stop();
      await parts.liveness.handOver().catch((error: unknown) =>
        this.logger.warn('agent runs: could not hand this replica’s runs over; they move after the recovery delay', {
          err: error,
        }),
      );
      await parts.pool.end().catch(() => undefined);
    } finally {
      if (active === this) active = undefined;
    }
  }

  /** Launches once; a failed launch is tried again by the next caller (the database may come back). */
  private started(): Promise<Started> {
    if (this.closed) return Promise.reject(new TypeError('The durable runs are closed'));
    this.starting ??= this.launch().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async launch(): Promise<Started> {
    const s = this.settings;
    const pool = await createRunsPool({ ...s, logger: this.logger });
    let engine: Engine | undefined;
    const liveness = new ReplicaLiveness({
      pool,
      executorId: s.executorId,
      heartbeatMs: s.heartbeatMs,
      recoveryAfterMs: s.recoveryAfterMs,
      recover: (ids) => engine?.recoverExecutors(ids) ?? Promise.resolve([]),
      async handOver(client) {
        const moved = await handOverRuns(client, s.executorId);
        await markHandedOver(client, moved);
        return moved;
      },
      logger: this.logger,
      onResumed: (count) => shielded(() => this.observer.onRunsResumed?.({ count })),
      onSweepFailed: (error) => shielded(() => this.observer.onResumeFailed?.({ error })),
    });
    try {
      const unlock = await holdLaunchLock(pool);
      try {
        // Alive before it can dequeue anything: a replica with runs and no fresh row is taken for dead.
        await liveness.register([RUN_FORMAT_DDL, RUN_STEPS_DDL, ...RUN_MAILBOX_DDL]);
        engine = await launchEngine({ ...s, pool, logger: this.logger }, (record) => this.execute(record));
        // On DBOS's table, so after its migrations; under the lock, so replicas never race on the trigger.
        await installStatusSignal(pool);
      } finally {
        await unlock();
      }
    } catch (error) {
      // A launched engine whose trigger could not be installed is stopped too: the next caller launches again.
      await engine?.stop().catch(() => undefined);
      await pool.end().catch(() => undefined);
      throw error;
    }
    const records = new StepRecords(pool);
    const mailbox = new RunMailbox(pool, this.signals);
    const recorded = {
      delete: async (ids: readonly string[]) => {
        await records.delete(ids);
        await mailbox.delete(ids);
      },
    };
    const retention = new RunRetention(pool, engine.dbos, recorded, s.retentionHours * 3_600_000, this.logger);
    liveness.start();
    retention.start();
    // Said once: from here on calls are recorded, and tasks are runs that resume on a live replica.
    this.logger.info('agent runs: the run engine is up', { executorId: s.executorId });
    const admission = new QueueAdmission(pool, s.maxQueued);
    return { engine, pool, records, mailbox, liveness, retention, admission };
  }

  /** The body of every run's workflow, on whichever replica runs or resumes it. */
  private async execute(record: RunRecord): Promise<unknown> {
    const { engine, pool } = await this.started();
    // The work's journal signal aborts when the run is cancelled, from whichever replica.
    const cancel = watchCancel(this.signals, pool, engine.dbos.workflowID as string, this.logger);
    try {
      return await this.executeRecord(record, cancel.signal);
    } finally {
      cancel.close();
    }
  }

  private async executeRecord(record: RunRecord, signal: AbortSignal): Promise<unknown> {
    const { engine, pool, records, mailbox } = await this.started();
    const runId = engine.dbos.workflowID as string;
    const entry = record.inline ? this.inline.get(runId) : undefined;
    if (record.inline && !entry) throw new RunNotResumableError(runId, record.kind);
    // An inline run never runs twice (above), so it has nothing recorded to read back.
    const recording =
      this.settings.steps === 'dbos'
        ? { kind: 'dbos' as const }
        : { kind: 'table' as const, records, recorded: entry ? new Map<string, string>() : await records.load(runId) };
    const journal = workflowJournal(engine.dbos, runId, mailbox, recording, signal);
    if (entry) {
      try {
        entry.outcome = { ok: true, value: await entry.work(journal) };
      } catch (error) {
        entry.outcome = { ok: false, error };
        throw error;
      }
      // The caller takes the value from this process; DBOS records only that the run completed.
      return null;
    }
    const work = this.kinds.get(record.kind);
    if (!work) throw new RunNotResumableError(runId, record.kind);
    const end = await this.admitHere(runId, record, { engine, pool, cancelled: signal });
    // A call holds a slot (counted by `slots`); a run of the queue holds the queue's.
    const counted = record.startedHere !== true;
    if (counted) this.queuedRunning += 1;
    let outcome: 'completed' | 'failed' = 'failed';
    try {
      const value = await this.current.run({ journal, nested: 0 }, () => work(record.input, journal));
      outcome = 'completed';
      return value;
    } finally {
      if (counted) this.queuedRunning -= 1;
      end(outcome);
    }
  }

  /**
   * Admits a run of a defined kind whose work starts executing here, and tells the observer it started: returns what
   * its end does. A call started here already holds its slot and was told by `startHere`. A call resumed here (its
   * replica stopped) waits for a slot of this replica for its principal, as at its start: the queue's limits do not
   * cover it (DBOS moves it to its own internal queue, without limits). A run of the shared queue got its slot from
   * the queue: its wait is read from DBOS's record of its enqueue and dequeue.
   */
  private async admitHere(
    runId: string,
    record: RunRecord,
    here: { engine: Engine; pool: pg.Pool; cancelled: AbortSignal },
  ): Promise<RunEnd> {
    const { engine, pool, cancelled } = here;
    const kind = record.label ?? record.kind;
    if (record.startedHere && this.startedHere.has(runId)) return () => undefined;
    let release: ReleaseSlot = () => undefined;
    let waitMs: number;
    if (record.startedHere) {
      const queuedAt = performance.now();
      release = await this.resumedSlot(runId, record.principal, cancelled, engine);
      waitMs = performance.now() - queuedAt;
    } else {
      // Metrics never break a run: an unreadable start is not observed. A resumed run of the queue is not observed
      // either: its enqueue time is its first one (start minus it would count its earlier run and the recovery
      // delay as queueing), and DBOS keeps no time of its return to the queue. Its first start was observed where
      // it started; agent_runs_resumed_total counts the resume.
      const start = await readQueuedStart(pool, runId).catch(() => undefined);
      if (!start || start.resumed) return () => undefined;
      waitMs = start.waitMs;
    }
    const startedAt = performance.now();
    shielded(() => this.observer.onRunStarted?.({ kind, waitMs }));
    return (outcome) => {
      release();
      const durationMs = performance.now() - startedAt;
      shielded(() => this.observer.onRunFinished?.({ kind, durationMs, outcome }));
    };
  }

  /**
   * The slot here of a call resumed on this replica, for its principal. Past `maxQueued`: the call was admitted once,
   * refusing it now would fail it. Its wait ends when the run is cancelled (`cancelled`: the run's cancel watch, from
   * any replica), as DBOS ends a cancelled run, and after `resumeSlotWaitMs`, when the run fails rather than hold its
   * caller on a replica with no room.
   */
  private async resumedSlot(
    runId: string,
    principal: string,
    cancelled: AbortSignal,
    engine: Engine,
  ): Promise<ReleaseSlot> {
    const ended = new AbortController();
    const waitMs = this.settings.resumeSlotWaitMs;
    // Unref'd: a stopping process does not wait for it (its run is handed over unsettled).
    const timer = setTimeout(() => ended.abort(new RunWaitTimeoutError(runId, 'slot', waitMs)), waitMs);
    timer.unref();
    // DBOS's own error: DBOS then keeps the run CANCELLED, as when its checkpoint finds it so.
    const onCancel = () => ended.abort(engine.cancelledError(runId));
    if (cancelled.aborted) onCancel();
    else cancelled.addEventListener('abort', onCancel, { once: true });
    try {
      return await this.slots.acquire(principal, ended.signal, undefined, false);
    } finally {
      clearTimeout(timer);
      cancelled.removeEventListener('abort', onCancel);
    }
  }
}

/** A run's local outcome, or RunWaitTimeoutError after `timeoutMs`. */
async function settledWithin<O>(settled: Promise<O>, runId: string, timeoutMs: number): Promise<O> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RunWaitTimeoutError(runId, 'result', timeoutMs)), timeoutMs);
    // A process stopping with a call still running here (handed over unsettled) does not wait for the bound.
    timer.unref();
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A call's journal while the engine is not up: steps are direct calls, keys as recorded runs have them. */
function unrecordedJournal(runId: string): RunContextJournal {
  return {
    runId,
    step: (_name, fn) => fn(),
    stepKey: (name) => `run:${runId}:step:${name}`,
    waitFor: () =>
      Promise.reject(new TypeError('This run is not recorded (the run engine was not up): it cannot wait.')),
    publish: () => Promise.resolve(),
    enclosingStep: () => '',
    child: (name) => unrecordedJournal(`${runId}/${name}`),
  };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Metrics must never break a run. */
function shielded(hook: () => void): void {
  try {
    hook();
  } catch {
    // ignored, as documented on RunsObserver
  }
}
