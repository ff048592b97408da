import { ContextError } from './errors';
/**
 * The task store port: where MCP tasks live (status, status message and final outcome of task-augmented
 * requests), scoped to the principal that made them. `@agent-mcp/mcp-core`'s `InMemoryTaskStore` serves one
 * process; `@agent-mcp/store`'s `SqlTaskStore` keeps tasks in PostgreSQL so they outlive a restart and are
 * visible from every replica.
 */

/** The states of a task; the last three are terminal. */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

/** True for `completed`, `failed` and `cancelled`: a task in one of them never changes again. */
export function isTerminalStatus(status: TaskStatus): boolean {
  return TERMINAL.has(status);
}

/** One task as stored. */
export interface TaskRecord {
  readonly taskId: string;
  /** Key of the principal that created it (`principalKey`): nobody else sees it. */
  readonly owner: string;
  readonly status: TaskStatus;
  readonly statusMessage?: string;
  /** How long the task is kept after its creation, in milliseconds; null for as long as the store keeps it. */
  readonly ttlMs: number | null;
  /** How often a client should poll `tasks/get`, in milliseconds. */
  readonly pollIntervalMs: number;
  readonly createdAt: Date;
  readonly lastUpdatedAt: Date;
  /**
   * The questions an `input_required` task waits on (the 2026-07-28 tasks extension), by key, as its runner stored
   * them: `tasks/get` on any replica shows them.
   */
  readonly inputRequests?: Readonly<Record<string, unknown>>;
}

/** How a task ended: the request's result, or the JSON-RPC error it failed with. */
export type TaskOutcome =
  | { readonly result: Record<string, unknown> }
  | { readonly error: { readonly code: number; readonly message: string; readonly data?: unknown } };

/** What creating a task records. */
export interface NewTask {
  readonly owner: string;
  /** The request method the task wraps (`tools/call`). */
  readonly method: string;
  readonly ttlMs: number | null;
  readonly pollIntervalMs: number;
  /** Identifies the process running the task; its lease is renewed while it runs. */
  readonly runner: string;
  /** The task fails as abandoned when its lease is not renewed within this many milliseconds. */
  readonly leaseMs: number;
}

/** A page of tasks, newest first. */
export interface TaskPage {
  readonly tasks: readonly TaskRecord[];
  readonly nextCursor?: string;
}

/** The message a task gets when the process running it stopped renewing its lease. */
export const ABANDONED_MESSAGE =
  'The server process running this task stopped before it finished; run the request again.';

/**
 * The task store seam. Every read is scoped to an owner; an unknown task and another owner's task look the
 * same (undefined). Implementations make the terminal transition atomic: once a task is completed, failed
 * or cancelled, later writes are ignored.
 */
export interface TaskStore {
  create(task: NewTask): Promise<TaskRecord>;
  /** The task, failed as abandoned first if its lease ran out while it was not terminal. */
  get(taskId: string, owner: string): Promise<TaskRecord | undefined>;
  /** The owner's tasks, newest first. Throws {@link InvalidTaskCursorError} for a cursor it did not issue. */
  list(owner: string, options: { readonly cursor?: string; readonly limit: number }): Promise<TaskPage>;
  /**
   * Moves a task that is not terminal to `status` with a message. Returns the updated task, or undefined when
   * it is unknown, someone else's, or already terminal. `owner` undefined skips the owner check (the runner).
   * `inputRequests`: the open questions of an `input_required` task (any other status clears them).
   */
  setStatus(
    taskId: string,
    owner: string | undefined,
    status: 'working' | 'input_required' | 'cancelled',
    statusMessage?: string,
    inputRequests?: Readonly<Record<string, unknown>>,
  ): Promise<TaskRecord | undefined>;
  /**
   * `tasks/update` reaching a process that does not run the task: keeps the owner's answers (by question key) for
   * the runner, merged with any not yet taken. False when the task is unknown, someone else's, or not waiting for
   * input. A store without it cannot carry answers between processes.
   */
  sendInputs?(taskId: string, owner: string, responses: Readonly<Record<string, unknown>>): Promise<boolean>;
  /** The answers kept for the runner's tasks among `taskIds`, each handed out once (and removed). */
  takeInputs?(runner: string, taskIds: readonly string[]): Promise<Map<string, Record<string, unknown>>>;
  /** Records the outcome with a terminal status unless the task is terminal already; true if recorded. */
  finish(
    taskId: string,
    status: 'completed' | 'failed',
    outcome: TaskOutcome,
    statusMessage?: string,
  ): Promise<boolean>;
  /** The outcome of a terminal task; undefined while it runs or for a task ended without one (cancelled, abandoned). */
  outcome(taskId: string, owner: string): Promise<TaskOutcome | undefined>;
  /**
   * Extends the lease of the runner's tasks that are still not terminal, and returns their ids: a running task
   * missing from the answer was cancelled (or ended) elsewhere, and its run should stop.
   */
  renew(runner: string, taskIds: readonly string[], leaseMs: number): Promise<Set<string>>;
  /** Deletes tasks past their TTL; returns how many. */
  deleteExpired(): Promise<number>;
  /** How many tasks the store holds in each status (metrics); statuses with none may be left out. */
  countByStatus?(): Promise<Partial<Record<TaskStatus, number>>>;
  close?(): Promise<void>;
}

/** A `tasks/list` cursor this store did not issue. */
export class InvalidTaskCursorError extends ContextError {
  readonly code = 'TASK_CURSOR_INVALID';
  constructor() {
    super('Invalid cursor');
  }
}

/** Encodes a keyset position (a task's creation sequence number) as an opaque cursor. */
export function encodeTaskCursor(seq: number | bigint | string): string {
  return Buffer.from(`task:${String(seq)}`).toString('base64url');
}

/**
 * One page of {@link TaskStore.list} from `rows`: the owner's tasks after the cursor, newest first, read one past
 * `limit`, so whether a next page exists is known without counting. Every TaskStore's `list` ends with it.
 */
export function taskPage<R>(
  rows: readonly R[],
  limit: number,
  seqOf: (row: R) => number | bigint | string,
  toRecord: (row: R) => TaskRecord,
): TaskPage {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    tasks: page.map(toRecord),
    ...(rows.length > limit && last !== undefined ? { nextCursor: encodeTaskCursor(seqOf(last)) } : {}),
  };
}

/** Decodes {@link encodeTaskCursor}'s output; throws {@link InvalidTaskCursorError} for anything else. */
export function decodeTaskCursor(cursor: string): string {
  const match = /^task:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidTaskCursorError();
  return match[1] as string;
}
