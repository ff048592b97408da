import {
  ABANDONED_MESSAGE,
  checkSchemaName,
  decodeTaskCursor,
  type NewTask,
  privateSchemaCreator,
  type SqlClient,
  type SqlRow,
  type TaskOutcome,
  type TaskPage,
  type TaskRecord,
  type TaskStatus,
  type TaskStore,
  taskPage,
} from '@agent-mcp/context';

/** Options of {@link SqlTaskStore}. */
export interface SqlTaskStoreOptions {
  readonly sql: SqlClient;
  /**
   * Schema of the task table, created if missing. Keep it out of reach of the role that runs callers' SQL:
   * task results belong to their owners. Default `agent_mcp_state`.
   */
  readonly schema?: string;
  /** Largest outcome stored, in bytes of JSON; a larger result fails the task with a clear message. Default 4 MiB. */
  readonly maxOutcomeBytes?: number;
}

const LIVE = "('working', 'input_required')";

interface TaskRow extends SqlRow {
  task_id: string;
  seq: string | number;
  owner: string;
  status: TaskStatus;
  status_message: string | null;
  ttl_ms: string | number | null;
  poll_interval_ms: number;
  created_at: Date | string;
  last_updated_at: Date | string;
  input_requests: Record<string, unknown> | string | null;
}

/**
 * Tasks in PostgreSQL (a server or the embedded engine), through the {@link SqlClient} seam: they survive a
 * restart and every replica on the same database sees them. A running task holds a lease its process renews;
 * a task whose lease ran out is reported failed (its process died), never left working for ever.
 */
export class SqlTaskStore implements TaskStore {
  private readonly sql: SqlClient;
  private readonly table: string;
  private readonly schema: string;
  private readonly maxOutcomeBytes: number;
  /** Creates the schema and table if missing; safe to call from several processes at once. */
  readonly ensureSchema: () => Promise<void>;

  constructor(options: SqlTaskStoreOptions) {
    this.sql = options.sql;
    this.schema = checkSchemaName(options.schema ?? 'agent_mcp_state');
    this.table = `${this.schema}.tasks`;
    this.maxOutcomeBytes = options.maxOutcomeBytes ?? 4 * 1024 * 1024;
    this.ensureSchema = privateSchemaCreator(this.sql, this.schema, 'agent-mcp task store schema', async (tx) => {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
          task_id text PRIMARY KEY,
          -- Creation order, for stable newest-first pages (creation times tie).
          seq bigint GENERATED ALWAYS AS IDENTITY,
          owner text NOT NULL,
          method text NOT NULL,
          status text NOT NULL CHECK (status IN ('working', 'input_required', 'completed', 'failed', 'cancelled')),
          status_message text,
          ttl_ms bigint,
          poll_interval_ms integer NOT NULL,
          created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          last_updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          expires_at timestamptz,
          runner text NOT NULL,
          lease_until timestamptz NOT NULL,
          outcome jsonb
        )`);
      // The questions a waiting task shows on any replica, and answers sent to a replica that does not run it.
      await tx.query(
        `ALTER TABLE ${this.table} ADD COLUMN IF NOT EXISTS input_requests jsonb, ADD COLUMN IF NOT EXISTS pending_inputs jsonb`,
      );
      await tx.query(`CREATE INDEX IF NOT EXISTS tasks_owner_seq ON ${this.table} (owner, seq DESC)`);
      await tx.query(`CREATE INDEX IF NOT EXISTS tasks_runner_live ON ${this.table} (runner) WHERE status IN ${LIVE}`);
      await tx.query(
        `CREATE INDEX IF NOT EXISTS tasks_expires ON ${this.table} (expires_at) WHERE expires_at IS NOT NULL`,
      );
    });
  }

  async create(task: NewTask): Promise<TaskRecord> {
    await this.ensureSchema();
    const { rows } = await this.sql.query<TaskRow>(
      `INSERT INTO ${this.table} (task_id, owner, method, status, ttl_ms, poll_interval_ms, expires_at, runner, lease_until)
       VALUES ($1, $2, $3, 'working', $4, $5,
               CASE WHEN $4::bigint IS NULL THEN NULL ELSE clock_timestamp() + $4::bigint * interval '1 millisecond' END,
               $6, clock_timestamp() + $7::bigint * interval '1 millisecond')
       RETURNING *`,
      [
        globalThis.crypto.randomUUID(),
        task.owner,
        task.method,
        task.ttlMs,
        task.pollIntervalMs,
        task.runner,
        task.leaseMs,
      ],
    );
    return toRecord(rows[0] as TaskRow);
  }

  async get(taskId: string, owner: string): Promise<TaskRecord | undefined> {
    await this.ensureSchema();
    await this.failAbandoned('task_id = $1 AND owner = $2', [taskId, owner]);
    const { rows } = await this.sql.query<TaskRow>(
      `SELECT * FROM ${this.table} WHERE task_id = $1 AND owner = $2 AND (expires_at IS NULL OR expires_at > clock_timestamp())`,
      [taskId, owner],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async list(owner: string, { cursor, limit }: { cursor?: string; limit: number }): Promise<TaskPage> {
    await this.ensureSchema();
    const before = cursor === undefined ? null : decodeTaskCursor(cursor);
    await this.failAbandoned('owner = $1', [owner]);
    const { rows } = await this.sql.query<TaskRow>(
      `SELECT * FROM ${this.table}
        WHERE owner = $1 AND (expires_at IS NULL OR expires_at > clock_timestamp()) AND ($2::bigint IS NULL OR seq < $2::bigint)
        ORDER BY seq DESC
        LIMIT $3`,
      [owner, before, limit + 1],
    );
    return taskPage(rows, limit, (row) => row.seq, toRecord);
  }

  async setStatus(
    taskId: string,
    owner: string | undefined,
    status: 'working' | 'input_required' | 'cancelled',
    statusMessage?: string,
    inputRequests?: Readonly<Record<string, unknown>>,
  ): Promise<TaskRecord | undefined> {
    await this.ensureSchema();
    const asked = status === 'input_required' && inputRequests ? JSON.stringify(inputRequests) : null;
    const { rows } = await this.sql.query<TaskRow>(
      `UPDATE ${this.table} SET status = $3, status_message = $4, input_requests = $5::jsonb,
              last_updated_at = clock_timestamp()
        WHERE task_id = $1 AND ($2::text IS NULL OR owner = $2) AND status IN ${LIVE}
          AND (expires_at IS NULL OR expires_at > clock_timestamp())
        RETURNING *`,
      [taskId, owner ?? null, status, statusMessage ?? null, asked],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async sendInputs(taskId: string, owner: string, responses: Readonly<Record<string, unknown>>): Promise<boolean> {
    await this.ensureSchema();
    const { rowCount } = await this.sql.query(
      `UPDATE ${this.table} SET pending_inputs = COALESCE(pending_inputs, '{}'::jsonb) || $3::jsonb
        WHERE task_id = $1 AND owner = $2 AND status = 'input_required'
          AND (expires_at IS NULL OR expires_at > clock_timestamp())`,
      [taskId, owner, JSON.stringify(responses)],
    );
    return rowCount > 0;
  }

  async takeInputs(runner: string, taskIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    if (taskIds.length === 0) return new Map();
    await this.ensureSchema();
    // Read and cleared in one statement, the rows locked: an answer sent meanwhile waits for the next take.
    const { rows } = await this.sql.query<{ task_id: string; pending: Record<string, unknown> | string }>(
      `UPDATE ${this.table} t SET pending_inputs = NULL
         FROM (SELECT task_id, pending_inputs FROM ${this.table}
                WHERE runner = $1 AND task_id = ANY($2::text[]) AND pending_inputs IS NOT NULL
                FOR UPDATE) old
        WHERE t.task_id = old.task_id
        RETURNING old.task_id, old.pending_inputs AS pending`,
      [runner, [...taskIds]],
    );
    return new Map(rows.map((r) => [r.task_id, typeof r.pending === 'string' ? JSON.parse(r.pending) : r.pending]));
  }

  async finish(
    taskId: string,
    status: 'completed' | 'failed',
    outcome: TaskOutcome,
    statusMessage?: string,
  ): Promise<boolean> {
    await this.ensureSchema();
    let json = JSON.stringify(outcome);
    let finalStatus = status;
    let message = statusMessage ?? null;
    if (Buffer.byteLength(json) > this.maxOutcomeBytes) {
      // The run finished, but its result cannot be kept: say so instead of storing a partial one.
      finalStatus = 'failed';
      message = `The result was larger than ${this.maxOutcomeBytes} bytes and was not kept.`;
      json = JSON.stringify({ result: { content: [{ type: 'text', text: message }], isError: true } });
    }
    const { rowCount } = await this.sql.query(
      `UPDATE ${this.table} SET status = $2, outcome = $3::jsonb, status_message = $4, input_requests = NULL,
              pending_inputs = NULL, last_updated_at = clock_timestamp()
        WHERE task_id = $1 AND status IN ${LIVE}`,
      [taskId, finalStatus, json, message],
    );
    return rowCount > 0;
  }

  async outcome(taskId: string, owner: string): Promise<TaskOutcome | undefined> {
    await this.ensureSchema();
    const { rows } = await this.sql.query<{ outcome: TaskOutcome | string | null }>(
      `SELECT outcome FROM ${this.table} WHERE task_id = $1 AND owner = $2 AND (expires_at IS NULL OR expires_at > clock_timestamp())`,
      [taskId, owner],
    );
    const value = rows[0]?.outcome;
    if (value === null || value === undefined) return undefined;
    return typeof value === 'string' ? (JSON.parse(value) as TaskOutcome) : value;
  }

  async renew(runner: string, taskIds: readonly string[], leaseMs: number): Promise<Set<string>> {
    if (taskIds.length === 0) return new Set();
    await this.ensureSchema();
    const { rows } = await this.sql.query<{ task_id: string }>(
      `UPDATE ${this.table} SET lease_until = clock_timestamp() + $3::bigint * interval '1 millisecond'
        WHERE runner = $1 AND task_id = ANY($2::text[]) AND status IN ${LIVE}
        RETURNING task_id`,
      [runner, [...taskIds], leaseMs],
    );
    return new Set(rows.map((r) => r.task_id));
  }

  async countByStatus(): Promise<Partial<Record<TaskStatus, number>>> {
    await this.ensureSchema();
    const { rows } = await this.sql.query<{ status: TaskStatus; n: number }>(
      `SELECT status, count(*)::int AS n FROM ${this.table} WHERE expires_at IS NULL OR expires_at > clock_timestamp() GROUP BY status`,
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async deleteExpired(): Promise<number> {
    await this.ensureSchema();
    const { rowCount } = await this.sql.query(
      `DELETE FROM ${this.table} WHERE expires_at IS NOT NULL AND expires_at <= clock_timestamp()`,
    );
    return rowCount;
  }

  private async failAbandoned(where: string, params: unknown[]): Promise<void> {
    await this.sql.query(
      `UPDATE ${this.table} SET status = 'failed', status_message = $${params.length + 1}, last_updated_at = clock_timestamp()
        WHERE ${where} AND status IN ${LIVE} AND lease_until < clock_timestamp()`,
      [...params, ABANDONED_MESSAGE],
    );
  }
}

function toRecord(row: TaskRow): TaskRecord {
  return {
    taskId: row.task_id,
    owner: row.owner,
    status: row.status,
    ...(row.status_message !== null ? { statusMessage: row.status_message } : {}),
    ttlMs: row.ttl_ms === null ? null : Number(row.ttl_ms),
    pollIntervalMs: Number(row.poll_interval_ms),
    createdAt: new Date(row.created_at),
    lastUpdatedAt: new Date(row.last_updated_at),
    ...(row.status === 'input_required' && row.input_requests
      ? {
          inputRequests:
            typeof row.input_requests === 'string'
              ? (JSON.parse(row.input_requests) as Record<string, unknown>)
              : row.input_requests,
        }
      : {}),
  };
}
