/**
 * Tasks in memory, for one process: the {@link TaskStore} port is `@agent-mcp/context`'s, and `@agent-mcp/store`'s
 * `SqlTaskStore` keeps tasks in PostgreSQL across restarts and replicas.
 */
import {
  ABANDONED_MESSAGE,
  decodeTaskCursor,
  isTerminalStatus,
  type NewTask,
  type TaskOutcome,
  type TaskPage,
  type TaskRecord,
  taskPage,
  type TaskStatus,
  type TaskStore,
} from '@agent-mcp/context';

interface MemoryTask {
  record: TaskRecord;
  /** Creation order: ties of creation time are common, and lists must be stable. */
  readonly seq: number;
  runner: string;
  leaseUntil: number;
  expiresAt: number;
  outcome?: TaskOutcome;
  /** Answers sent through `tasks/update` for the runner to take. */
  pending?: Record<string, unknown>;
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
    const before = cursor === undefined ? Number.POSITIVE_INFINITY : Number(decodeTaskCursor(cursor));
    const mine = [...this.tasks.keys()]
      .map((id) => this.live(id))
      .filter((t): t is MemoryTask => t !== undefined && t.record.owner === owner && t.seq < before)
      .sort((a, b) => b.seq - a.seq);
    return taskPage(
      mine,
      limit,
      (t) => t.seq,
      (t) => t.record,
    );
  }

  async setStatus(
    taskId: string,
    owner: string | undefined,
    status: 'working' | 'input_required' | 'cancelled',
    statusMessage?: string,
    inputRequests?: Readonly<Record<string, unknown>>,
  ): Promise<TaskRecord | undefined> {
    const task = this.live(taskId);
    if (!task || (owner !== undefined && task.record.owner !== owner) || isTerminalStatus(task.record.status))
      return undefined;
    task.record = withStatus(task.record, status, statusMessage, this.now());
    if (status === 'input_required' && inputRequests)
      task.record = { ...task.record, inputRequests: structuredClone(inputRequests) };
    return task.record;
  }

  async sendInputs(taskId: string, owner: string, responses: Readonly<Record<string, unknown>>): Promise<boolean> {
    const task = this.live(taskId);
    if (!task || task.record.owner !== owner || task.record.status !== 'input_required') return false;
    task.pending = { ...task.pending, ...structuredClone(responses) };
    return true;
  }

  async takeInputs(runner: string, taskIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    const taken = new Map<string, Record<string, unknown>>();
    for (const id of taskIds) {
      const task = this.tasks.get(id);
      if (!task || task.runner !== runner || !task.pending) continue;
      taken.set(id, task.pending);
      task.pending = undefined;
    }
    return taken;
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
    task.pending = undefined;
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
  const { statusMessage: _previous, inputRequests: _asked, ...rest } = record;
  return { ...rest, status, ...(statusMessage !== undefined ? { statusMessage } : {}), lastUpdatedAt: new Date(now) };
}
