import { AsyncLocalStorage } from 'node:async_hooks';
import { type RunJournal, type RunQueue, type RunRequest } from '@agent-mcp/agent-core';
import { z } from 'zod';
import { scopedJournal } from './dbos-journal';
import { InvalidRunsOptionsError } from './errors';
import { Mailboxes } from './mailboxes';
import { type RunChanges, RunSignals, type RunWatch } from './run-signals';
import { RunSlots } from './run-slots';

/** A run's journal as the runs give it: the steps of {@link RunJournal} and the run's mailbox. */
export interface RunContextJournal extends RunJournal {
  /**
   * Recorded runs: aborted (with a `RunCancelledError`) once the run is cancelled (`DurableRuns.cancel`, called on
   * any replica), so that work in flight (a model request) stops at once instead of at its next step. Absent in
   * process, where the caller's own signal stops the run.
   */
  readonly signal?: AbortSignal;
  /**
   * The next message sent to this run on `topic` ({@link AgentRuns.send}), or `undefined` after `timeoutMs`:
   * how a run waits for a client's answer. Rejects when the run is cancelled.
   */
  waitFor(topic: string, timeoutMs: number): Promise<unknown>;
  /**
   * Sets the run's event `key` (its progress, the question it waits on), readable with {@link AgentRuns.readEvent};
   * resolves once it is readable there.
   */
  publish(key: string, value: unknown): Promise<void>;
  /**
   * The full name of the recorded step whose work is executing now, `''` outside every step: what the run asks
   * inside a step is skipped with it when a replay reads that step from its record, so a question is numbered per
   * enclosing step (`ParkedInputs`), never across the run, and a replay numbers the rest the same. In process,
   * where nothing replays, always `''`.
   */
  enclosingStep(): string;
  child(name: string): RunContextJournal;
}

/** Told of each run the queue starts and finishes (metrics). Hooks are synchronous; a throwing hook is ignored. */
export interface RunsObserver {
  /** A run got its slot after `waitMs` in the queue. */
  onRunStarted?(info: { readonly kind: string; readonly waitMs: number }): void;
  /** A run gave its slot back. */
  onRunFinished?(info: {
    readonly kind: string;
    readonly durationMs: number;
    readonly outcome: 'completed' | 'failed';
  }): void;
  /**
   * A run was refused: the queue was full (this process's slots; recorded runs: or the shared queue, at `admit` or
   * `submit`, `kind` then the run's label).
   */
  onRunRefused?(info: { readonly kind: string }): void;
  /** Recorded runs only: this replica moved `count` runs of replicas that stopped answering, to resume them. */
  onRunsResumed?(info: { readonly count: number }): void;
  /** Recorded runs only: this replica's look for stopped replicas failed (their runs wait for the next one). */
  onResumeFailed?(info: { readonly error: unknown }): void;
}

/** What the queue holds now. */
export interface RunsStats {
  /** Runs executing in this process: those holding a slot, and (durable runs) those of the shared queue. */
  readonly running: number;
  /** Runs waiting for one. */
  readonly queued: number;
  /** How long the oldest waiting run has waited, in milliseconds (0 when none waits). */
  readonly oldestWaitMs: number;
}

/** Agent runs admitted through a bounded queue, each with a journal and a mailbox. */
export interface AgentRuns extends RunQueue {
  /**
   * Runs `work` once a slot is free (per replica and per principal). Called inside the work of another run (a
   * call parked on its questions, whose tool runs its agent), it takes no slot: `work` gets that run's journal and
   * mailbox, its step names under `run.<n>/` (n counting such calls of the run in call order).
   */
  run<T>(request: RunRequest, work: (journal: RunContextJournal) => Promise<T>): Promise<T>;
  /**
   * Sends `message` to the running run `runId` on `topic`; a repeated `idempotencyKey` delivers nothing.
   * @returns whether it was delivered (false: a duplicate).
   * @throws RunNotFoundError when no such run is running here; RunMailboxFullError.
   */
  send(runId: string, topic: string, message: unknown, idempotencyKey?: string): boolean;
  /** The run's event `key`, waiting up to `timeoutMs` for it to be published (`undefined` then). */
  readEvent(runId: string, key: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<unknown>;
  /**
   * Watches the run `runId` for `changes` (its end is its `status`), for a caller that waits on several things of a
   * run and looks at them itself after each wake: woken at once by this process's sends, publishes and the run's end.
   * Close it.
   */
  watch(runId: string, changes: RunChanges): RunWatch;
  stats(): RunsStats;
  /** Which implementation this is, for the start-up line: `local` (in process). */
  readonly kind: 'local';
}

/** Options of {@link createLocalRuns}. */
export interface LocalRunsOptions {
  /** Runs at once in this process. Default 8. */
  readonly concurrencyPerReplica?: number;
  /** Runs at once of one principal. Default 2. */
  readonly concurrencyPerPrincipal?: number;
  /** Runs waiting for a slot; more are refused with `RunQueueFullError`. Default 256. */
  readonly maxQueued?: number;
  readonly observer?: RunsObserver;
}

const LimitsSchema = z.object({
  concurrencyPerReplica: z.number().int().min(1).max(1000).default(8),
  concurrencyPerPrincipal: z.number().int().min(1).max(1000).default(2),
  maxQueued: z.number().int().min(0).max(100_000).default(256),
});

/**
 * The in-process implementation, the embedded default's (one process owns the embedded database, so there is no
 * other replica to resume on): a run waits for a slot per replica and per principal, then runs; its steps are
 * direct calls (nothing is recorded, so a run in flight when the process stops is not resumed), its writes get
 * step keys all the same, and its mailbox lives while it runs.
 */
export function createLocalRuns(options: LocalRunsOptions = {}): AgentRuns {
  const parsed = LimitsSchema.safeParse({
    concurrencyPerReplica: options.concurrencyPerReplica,
    concurrencyPerPrincipal: options.concurrencyPerPrincipal,
    maxQueued: options.maxQueued,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRunsOptionsError(`Invalid runs option ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const limits = parsed.data;
  const slots = new RunSlots({
    perReplica: limits.concurrencyPerReplica,
    perPrincipal: limits.concurrencyPerPrincipal,
    maxQueued: limits.maxQueued,
  });
  // In process only: every run, and so every wake, is this process's.
  const signals = new RunSignals();
  const mailboxes = new Mailboxes(signals);
  const observer = options.observer ?? {};
  /** The run whose work is executing, and how many agent runs that work started (see `run`). */
  const current = new AsyncLocalStorage<{ readonly journal: RunContextJournal; nested: number }>();

  return Object.freeze({
    kind: 'local' as const,
    async run<T>(request: RunRequest, work: (journal: RunContextJournal) => Promise<T>): Promise<T> {
      const enclosing = current.getStore();
      if (enclosing) {
        // The enclosing run holds the slot, and its caller reads its mailbox: this agent run is part of it.
        enclosing.nested += 1;
        return work(scopedJournal(enclosing.journal, `run.${enclosing.nested}`));
      }
      const queuedAt = performance.now();
      let release;
      try {
        release = await slots.acquire(request.principal, request.signal, () => {
          if (request.onQueued) shielded(request.onQueued);
        });
      } catch (error) {
        if (!request.signal.aborted) shielded(() => observer.onRunRefused?.({ kind: request.kind }));
        throw error;
      }
      const startedAt = performance.now();
      shielded(() => observer.onRunStarted?.({ kind: request.kind, waitMs: startedAt - queuedAt }));
      const runId = globalThis.crypto.randomUUID();
      mailboxes.open(runId);
      let outcome: 'completed' | 'failed' = 'failed';
      try {
        const journal = localJournal(runId, runId, mailboxes, request.signal);
        const result = await current.run({ journal, nested: 0 }, () => work(journal));
        outcome = 'completed';
        return result;
      } finally {
        mailboxes.close(runId);
        release();
        const durationMs = performance.now() - startedAt;
        shielded(() => observer.onRunFinished?.({ kind: request.kind, durationMs, outcome }));
      }
    },
    send: (runId: string, topic: string, message: unknown, idempotencyKey?: string) =>
      mailboxes.send(runId, topic, message, idempotencyKey),
    readEvent: (runId: string, key: string, o: { timeoutMs: number; signal: AbortSignal }) =>
      mailboxes.readEvent(runId, key, o.timeoutMs, o.signal),
    watch: (runId: string, changes: RunChanges) => signals.watch(runId, changes),
    stats: () => slots.stats(),
  });
}

/** Steps run as direct calls; keys and the mailbox are the run's (a child run shares its root run's mailbox). */
function localJournal(runId: string, rootId: string, mailboxes: Mailboxes, signal: AbortSignal): RunContextJournal {
  return {
    runId,
    step: (_name, fn) => fn(),
    child: (name) => localJournal(`${runId}/${name}`, rootId, mailboxes, signal),
    stepKey: (name) => `run:${runId}:step:${name}`,
    waitFor: (topic, timeoutMs) => mailboxes.receive(rootId, topic, timeoutMs, signal),
    publish: async (key, value) => mailboxes.publish(rootId, key, value),
    enclosingStep: () => '',
  };
}

/** Metrics must never break a run. */
function shielded(hook: () => void): void {
  try {
    hook();
  } catch {
    // ignored, as documented on RunsObserver
  }
}
