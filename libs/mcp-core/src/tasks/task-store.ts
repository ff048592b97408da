/**
 * Where MCP tasks (protocol 2025-11-25) live: status, status message and final outcome of task-augmented
 * requests, scoped to the principal that made them. {@link InMemoryTaskStore} serves one process;
 * `SqlTaskStore` keeps tasks in PostgreSQL so they outlive a restart and are visible from every replica.
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
  /** The owner's tasks, newest first. Throws {@link InvalidCursorError} for a cursor it did not issue. */
  list(owner: string, options: { readonly cursor?: string; readonly limit: number }): Promise<TaskPage>;
  /**
   * Moves a task that is not terminal to `status` with a message. Returns the updated task, or undefined when
   * it is unknown, someone else's, or already terminal. `owner` undefined skips the owner check (the runner).
   */
  setStatus(
    taskId: string,
    owner: string | undefined,
    status: 'working' | 'input_required' | 'cancelled',
    statusMessage?: string,
  ): Promise<TaskRecord | undefined>;
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
export class InvalidCursorError extends Error {
  constructor() {
    super('Invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

/** Encodes a keyset position (a task's creation sequence number) as an opaque cursor. */
export function encodeCursor(seq: number | bigint | string): string {
  return Buffer.from(`task:${String(seq)}`).toString('base64url');
}

/** Decodes {@link encodeCursor}'s output; throws {@link InvalidCursorError} for anything else. */
export function decodeCursor(cursor: string): string {
  const match = /^task:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidCursorError();
  return match[1] as string;
}

interface MemoryTask {
  record: TaskRecord;
  /** Creation order: ties of creation time are common, and lists must be stable. */
  readonly seq: number;
  runner: string;
  leaseUntil: number;
  expiresAt: number;
  outcome?: TaskOutcome;
}

/** Options of {@link InMemoryTaskStore}. */
export interface InMemoryTaskStoreOptions {
  /** Most tasks kept; the oldest terminal ones go first when full. Default 10 000. */
  readonly maxTasks?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/**
 * Tasks in this process's memory: they survive a client's reconnect, not a restart. Bounded: past
 * `maxTasks`, the oldest terminal tasks are dropped, and creating fails when every task is still running.
 */
export class InMemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, MemoryTask>();
  private readonly maxTasks: number;
  private nextSeq = 1;
  private readonly now: () => number;

  constructor(options: InMemoryTaskStoreOptions = {}) {
    this.maxTasks = options.maxTasks ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async create(task: NewTask): Promise<TaskRecord> {
    await this.deleteExpired();
    if (this.tasks.size >= this.maxTasks) this.evictTerminal();
    if (this.tasks.size >= this.maxTasks) throw new Error(`Too many tasks (${this.maxTasks}) are still running`);
    const now = this.now();
    const record: TaskRecord = {
      taskId: globalThis.crypto.randomUUID(),
      owner: task.owner,
      status: 'working',
      ttlMs: task.ttlMs,
      pollIntervalMs: task.pollIntervalMs,
      createdAt: new Date(now),
      lastUpdatedAt: new Date(now),
    };
    this.tasks.set(record.taskId, {
      record,
      seq: this.nextSeq++,
      runner: task.runner,
      leaseUntil: now + task.leaseMs,
      expiresAt: task.ttlMs === null ? Number.POSITIVE_INFINITY : now + task.ttlMs,
    });
    return record;
  }

  async get(taskId: string, owner: string): Promise<TaskRecord | undefined> {
    const task = this.live(taskId);
    return task && task.record.owner === owner ? task.record : undefined;
  }

  async list(owner: string, { cursor, limit }: { cursor?: string; limit: number }): Promise<TaskPage> {
    const before = cursor === undefined ? Number.POSITIVE_INFINITY : Number(decodeCursor(cursor));
    const mine = [...this.tasks.keys()]
      .map((id) => this.live(id))
      .filter((t): t is MemoryTask => t !== undefined && t.record.owner === owner && t.seq < before)
      .sort((a, b) => b.seq - a.seq);
    const page = mine.slice(0, limit);
    const last = page.at(-1);
    return {
      tasks: page.map((t) => t.record),
      ...(mine.length > limit && last ? { nextCursor: encodeCursor(last.seq) } : {}),
    };
  }

  async setStatus(
    taskId: string,
    owner: string | undefined,
    status: 'working' | 'input_required' | 'cancelled',
    statusMessage?: string,
  ): Promise<TaskRecord | undefined> {
    const task = this.live(taskId);
    if (!task || (owner !== undefined && task.record.owner !== owner) || isTerminalStatus(task.record.status))
      return undefined;
    task.record = withStatus(task.record, status, statusMessage, this.now());
    return task.record;
  }

  async finish(
    taskId: string,
    status: 'completed' | 'failed',
    outcome: TaskOutcome,
    statusMessage?: string,
  ): Promise<boolean> {
    const task = this.live(taskId);
    if (!task || isTerminalStatus(task.record.status)) return false;
    task.record = withStatus(task.record, status, statusMessage, this.now());
    task.outcome = outcome;
    return true;
  }

  async outcome(taskId: string, owner: string): Promise<TaskOutcome | undefined> {
    const task = this.live(taskId);
    return task && task.record.owner === owner ? task.outcome : undefined;
  }

  async renew(runner: string, taskIds: readonly string[], leaseMs: number): Promise<Set<string>> {
    const alive = new Set<string>();
    const now = this.now();
    for (const id of taskIds) {
      const task = this.tasks.get(id);
      if (task && task.runner === runner && !isTerminalStatus(task.record.status)) {
        task.leaseUntil = now + leaseMs;
        alive.add(id);
      }
    }
    return alive;
  }

  async countByStatus(): Promise<Partial<Record<TaskStatus, number>>> {
    const counts: Partial<Record<TaskStatus, number>> = {};
    const now = this.now();
    for (const task of this.tasks.values())
      if (task.expiresAt > now) counts[task.record.status] = (counts[task.record.status] ?? 0) + 1;
    return counts;
  }

  async deleteExpired(): Promise<number> {
    const now = this.now();
    let deleted = 0;
    for (const [id, task] of this.tasks) {
      if (task.expiresAt <= now) {
        this.tasks.delete(id);
        deleted++;
      }
    }
    return deleted;
  }

  /** The task unless expired; a task whose lease ran out while not terminal is failed as abandoned first. */
  private live(taskId: string): MemoryTask | undefined {
    const task = this.tasks.get(taskId);
    if (!task) return undefined;
    const now = this.now();
    if (task.expiresAt <= now) {
      this.tasks.delete(taskId);
      return undefined;
    }
    if (!isTerminalStatus(task.record.status) && task.leaseUntil < now) {
      task.record = withStatus(task.record, 'failed', ABANDONED_MESSAGE, now);
    }
    return task;
  }

  private evictTerminal(): void {
    const terminal = [...this.tasks.values()]
      .filter((t) => isTerminalStatus(t.record.status))
      .sort((a, b) => a.seq - b.seq);
    for (const task of terminal.slice(0, Math.max(1, Math.ceil(this.maxTasks / 10))))
      this.tasks.delete(task.record.taskId);
  }
}

function withStatus(
  record: TaskRecord,
  status: TaskStatus,
  statusMessage: string | undefined,
  now: number,
): TaskRecord {
  const { statusMessage: _previous, ...rest } = record;
  return { ...rest, status, ...(statusMessage !== undefined ? { statusMessage } : {}), lastUpdatedAt: new Date(now) };
}
