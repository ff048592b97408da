/** Every code a {@link DurableRunsError} carries; the README's "Errors" table lists the same codes. */
export const DURABLE_RUNS_ERROR_CODES = [
  'run_queue_full',
  'run_not_found',
  'run_mailbox_full',
  'invalid_runs_options',
  'run_not_resumable',
  'run_of_other_format',
  'run_wait_timeout',
  'durable_runs_in_use',
] as const;

/** A code of {@link DURABLE_RUNS_ERROR_CODES}. */
export type DurableRunsErrorCode = (typeof DURABLE_RUNS_ERROR_CODES)[number];

/** What the runs library throws; `code` is stable, the message is for people. */
export abstract class DurableRunsError extends Error {
  abstract readonly code: DurableRunsErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  /** Safe to log: code and message, nothing else. */
  toJSON(): { name: string; code: DurableRunsErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/**
 * The replica's queue already holds as many waiting runs as it may: the run was not started. A caller should try
 * again after `retryAfterSeconds` (a busy server, like a rate limit).
 */
export class RunQueueFullError extends DurableRunsError {
  readonly code = 'run_queue_full' as const;

  constructor(
    readonly maxQueued: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`The server is busy: ${maxQueued} agent runs are already waiting for a slot. Try again shortly.`);
  }
}

/** A message or event was addressed to a run this process does not have (finished, or never started here). */
export class RunNotFoundError extends DurableRunsError {
  readonly code = 'run_not_found' as const;

  constructor(readonly runId: string) {
    super(`There is no run "${runId}" waiting here: it has finished, or it never started on this server.`);
  }
}

/** A run has as many unread messages as it may keep; the message was not delivered. */
export class RunMailboxFullError extends DurableRunsError {
  readonly code = 'run_mailbox_full' as const;

  constructor(
    readonly runId: string,
    readonly limit: number,
  ) {
    super(`The run "${runId}" already holds ${limit} unread messages; this one was not delivered.`);
  }
}

/** The options given to `createLocalRuns` (or the settings they came from) are out of range. */
export class InvalidRunsOptionsError extends DurableRunsError {
  readonly code = 'invalid_runs_options' as const;
}

/**
 * A recorded run cannot continue here: it was an inline run (its work was a closure of the process that died with
 * it, and its caller's connection ended with that process), or its kind is not defined on this replica. The run is
 * recorded as failed with this error, so nothing tries it again.
 */
export class RunNotResumableError extends DurableRunsError {
  readonly code = 'run_not_resumable' as const;

  constructor(
    readonly runId: string,
    readonly kind: string,
  ) {
    super(
      `The run "${runId}" (${kind}) cannot be resumed here: its work was not recorded as a kind this server defines, so it ended with the server that started it.`,
    );
  }
}

/**
 * A run recorded under another run format (a server of another version started it, the format changed since) that
 * no running replica of that format can take: this one cannot resume it, and nothing else will.
 */
export class RunOfOtherFormatError extends DurableRunsError {
  readonly code = 'run_of_other_format' as const;

  constructor(
    readonly runId: string,
    readonly format: string,
  ) {
    super(
      `The run "${runId}" was started by a server of another version (run format ${format}), which this one cannot resume, and no server of that version is running.`,
    );
  }
}

/**
 * A wait on a run reached its bound: for its result (`result`: the run may still finish, its record says when), or,
 * resumed on this replica, for a slot here (`slot`: the run is failed with it rather than wait longer).
 */
export class RunWaitTimeoutError extends DurableRunsError {
  readonly code = 'run_wait_timeout' as const;

  constructor(
    readonly runId: string,
    readonly waitedFor: 'result' | 'slot',
    readonly timeoutMs: number,
  ) {
    super(
      waitedFor === 'result'
        ? `The run "${runId}" did not finish within ${timeoutMs} ms.`
        : `The run "${runId}", resumed on this server, found no free slot within ${timeoutMs} ms: it was failed rather than wait longer.`,
    );
  }
}

/** DBOS is one per process: a second `createDurableRuns` while the first is open. */
export class DurableRunsInUseError extends DurableRunsError {
  readonly code = 'durable_runs_in_use' as const;

  constructor(readonly executorId: string) {
    super(
      `This process already runs recorded agent runs (executor ${executorId}); close them first, or pass the same instance around.`,
    );
  }
}
