import {
  checkSchemaName,
  checkThreadWriteKey,
  privateSchemaCreator,
  type SqlClient,
  type SqlQueryable,
  type SqlRow,
  clampMessage,
  decodeThreadCursor,
  DEFAULT_THREAD_LIMITS,
  encodeThreadCursor,
  messagesToDrop,
  type Thread,
  type ThreadLimits,
  type ThreadMessage,
  type ThreadPage,
  type ThreadStore,
  type ThreadSummary,
  type ThreadWriteOptions,
  titleOf,
} from '@agent-mcp/context';

/** Options of {@link SqlThreadStore}. */
export interface SqlThreadStoreOptions {
  readonly sql: SqlClient;
  /**
   * Schema of the thread tables, created if missing. Keep it out of reach of the role that runs callers'
   * SQL: threads are private to their owners. Default `agent_mcp_state`.
   */
  readonly schema?: string;
  readonly limits?: Partial<ThreadLimits>;
}

interface ThreadRow extends SqlRow {
  thread_id: string;
  owner: string;
  title: string;
  message_count: number;
  dropped_count: number;
  forked_from: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  seq: string | number;
}

interface MessageRow extends SqlRow {
  role: 'user' | 'assistant';
  text: string;
  tool: string | null;
  at: Date | string;
}

/**
 * Threads in PostgreSQL (a server or the embedded engine) through the {@link SqlClient} seam: they outlive
 * a restart and every replica sees them. Appends run in a transaction that locks the thread row, so two
 * calls continuing one thread at once keep both turns in order.
 */
export class SqlThreadStore implements ThreadStore {
  private readonly sql: SqlClient;
  private readonly schema: string;
  private readonly limits: ThreadLimits;
  /** Creates the schema and tables if missing; safe to call from several processes at once. */
  readonly ensureSchema: () => Promise<void>;

  constructor(options: SqlThreadStoreOptions) {
    this.sql = options.sql;
    this.schema = checkSchemaName(options.schema ?? 'agent_mcp_state');
    this.limits = { ...DEFAULT_THREAD_LIMITS, ...options.limits };
    const s = this.schema;
    this.ensureSchema = privateSchemaCreator(this.sql, s, 'agent-mcp thread store schema', async (tx) => {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.threads (
          thread_id text PRIMARY KEY,
          owner text NOT NULL,
          title text NOT NULL DEFAULT '',
          message_count integer NOT NULL DEFAULT 0,
          dropped_count integer NOT NULL DEFAULT 0,
          forked_from text,
          created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          -- Update order, for stable most-recent-first pages.
          seq bigint NOT NULL
        )`);
      await tx.query(`CREATE SEQUENCE IF NOT EXISTS ${s}.thread_seq`);
      await tx.query(`CREATE INDEX IF NOT EXISTS threads_owner_seq ON ${s}.threads (owner, seq DESC)`);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.thread_messages (
          thread_id text NOT NULL REFERENCES ${s}.threads (thread_id) ON DELETE CASCADE,
          position integer NOT NULL,
          role text NOT NULL CHECK (role IN ('user', 'assistant')),
          text text NOT NULL,
          tool text,
          at timestamptz NOT NULL DEFAULT clock_timestamp(),
          PRIMARY KEY (thread_id, position)
        )`);
      // Keyed writes (ThreadWriteOptions): a run executed again after a crash creates and appends once.
      await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.thread_create_keys (
          owner text NOT NULL,
          key text NOT NULL,
          thread_id text NOT NULL REFERENCES ${s}.threads (thread_id) ON DELETE CASCADE,
          PRIMARY KEY (owner, key)
        )`);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.thread_append_keys (
          thread_id text NOT NULL REFERENCES ${s}.threads (thread_id) ON DELETE CASCADE,
          key text NOT NULL,
          PRIMARY KEY (thread_id, key)
        )`);
    });
  }

  async create(owner: string, options: ThreadWriteOptions = {}): Promise<ThreadSummary> {
    await this.ensureSchema();
    const { key } = options;
    if (key === undefined) return this.insertThread(this.sql, owner);
    checkThreadWriteKey(key);
    const s = this.schema;
    return this.sql.transaction(async (tx) => {
      // Creators of one key take turns, so the second finds the first one's thread instead of making its own.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`agent-mcp thread key ${owner}\n${key}`]);
      const earlier = await tx.query<ThreadRow>(
        `SELECT t.* FROM ${s}.thread_create_keys k JOIN ${s}.threads t USING (thread_id) WHERE k.owner = $1 AND k.key = $2`,
        [owner, key],
      );
      if (earlier.rows[0]) return toSummary(earlier.rows[0]);
      const created = await this.insertThread(tx, owner);
      await tx.query(`INSERT INTO ${s}.thread_create_keys (owner, key, thread_id) VALUES ($1, $2, $3)`, [
        owner,
        key,
        created.threadId,
      ]);
      return created;
    });
  }

  private async insertThread(sql: SqlQueryable, owner: string): Promise<ThreadSummary> {
    const { rows } = await sql.query<ThreadRow>(
      `INSERT INTO ${this.schema}.threads (thread_id, owner, seq) VALUES ($1, $2, nextval('${this.schema}.thread_seq')) RETURNING *`,
      [globalThis.crypto.randomUUID(), owner],
    );
    return toSummary(rows[0] as ThreadRow);
  }

  async get(threadId: string, owner: string): Promise<Thread | undefined> {
    await this.ensureSchema();
    const { rows } = await this.sql.query<ThreadRow>(
      `SELECT * FROM ${this.schema}.threads WHERE thread_id = $1 AND owner = $2`,
      [threadId, owner],
    );
    if (!rows[0]) return undefined;
    const messages = await this.sql.query<MessageRow>(
      `SELECT role, text, tool, at FROM ${this.schema}.thread_messages WHERE thread_id = $1 ORDER BY position`,
      [threadId],
    );
    return { ...toSummary(rows[0]), messages: messages.rows.map(toMessage) };
  }

  async append(
    threadId: string,
    owner: string,
    messages: readonly Omit<ThreadMessage, 'at'>[],
    options: ThreadWriteOptions = {},
  ): Promise<ThreadSummary | undefined> {
    await this.ensureSchema();
    if (options.key !== undefined) checkThreadWriteKey(options.key);
    const s = this.schema;
    return this.sql.transaction(async (tx) => {
      const locked = await tx.query<ThreadRow>(
        `SELECT * FROM ${s}.threads WHERE thread_id = $1 AND owner = $2 FOR UPDATE`,
        [threadId, owner],
      );
      const thread = locked.rows[0];
      if (!thread) return undefined;
      if (options.key !== undefined) {
        // Under the thread's row lock: a second append with the key finds the first one's row and adds nothing.
        const first = await tx.query(
          `INSERT INTO ${s}.thread_append_keys (thread_id, key) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING key`,
          [threadId, options.key],
        );
        if (first.rows.length === 0) return toSummary(thread);
      }
      const kept = await tx.query<MessageRow & { position: number }>(
        `SELECT position, role, text, tool, at FROM ${s}.thread_messages WHERE thread_id = $1 ORDER BY position`,
        [threadId],
      );
      const start = kept.rows.length > 0 ? Number((kept.rows.at(-1) as { position: number }).position) + 1 : 0;
      const added = messages.map((m) => ({ ...m, text: clampMessage(m.text, this.limits) }));
      for (let i = 0; i < added.length; i++) {
        const m = added[i] as Omit<ThreadMessage, 'at'>;
        await tx.query(
          `INSERT INTO ${s}.thread_messages (thread_id, position, role, text, tool) VALUES ($1, $2, $3, $4, $5)`,
          [threadId, start + i, m.role, m.text, m.tool ?? null],
        );
      }
      const all = [...kept.rows, ...added];
      const drop = messagesToDrop(all, this.limits);
      if (drop > 0) {
        const firstKept = start - kept.rows.length + drop;
        await tx.query(`DELETE FROM ${s}.thread_messages WHERE thread_id = $1 AND position < $2`, [
          threadId,
          firstKept,
        ]);
      }
      const title = thread.title || titleOf(all.find((m) => m.role === 'user')?.text ?? '');
      const updated = await tx.query<ThreadRow>(
        `UPDATE ${s}.threads SET title = $2, message_count = $3, dropped_count = dropped_count + $4, updated_at = clock_timestamp(),
                seq = nextval('${s}.thread_seq')
          WHERE thread_id = $1 RETURNING *`,
        [threadId, title, all.length - drop, drop],
      );
      return toSummary(updated.rows[0] as ThreadRow);
    });
  }

  async list(owner: string, { cursor, limit }: { cursor?: string; limit: number }): Promise<ThreadPage> {
    await this.ensureSchema();
    const before = cursor === undefined ? null : decodeThreadCursor(cursor);
    const { rows } = await this.sql.query<ThreadRow>(
      `SELECT * FROM ${this.schema}.threads WHERE owner = $1 AND ($2::bigint IS NULL OR seq < $2::bigint) ORDER BY seq DESC LIMIT $3`,
      [owner, before, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      threads: page.map(toSummary),
      ...(rows.length > limit && last ? { nextCursor: encodeThreadCursor(last.seq) } : {}),
    };
  }

  async fork(threadId: string, owner: string): Promise<ThreadSummary | undefined> {
    await this.ensureSchema();
    const s = this.schema;
    return this.sql.transaction(async (tx: SqlQueryable) => {
      const source = await tx.query<ThreadRow>(
        `SELECT * FROM ${s}.threads WHERE thread_id = $1 AND owner = $2 FOR SHARE`,
        [threadId, owner],
      );
      const from = source.rows[0];
      if (!from) return undefined;
      const id = globalThis.crypto.randomUUID();
      const created = await tx.query<ThreadRow>(
        `INSERT INTO ${s}.threads (thread_id, owner, title, message_count, dropped_count, forked_from, seq)
         VALUES ($1, $2, $3, $4, $5, $6, nextval('${s}.thread_seq')) RETURNING *`,
        [id, owner, from.title, from.message_count, from.dropped_count, threadId],
      );
      await tx.query(
        `INSERT INTO ${s}.thread_messages (thread_id, position, role, text, tool, at)
         SELECT $1, position, role, text, tool, at FROM ${s}.thread_messages WHERE thread_id = $2`,
        [id, threadId],
      );
      return toSummary(created.rows[0] as ThreadRow);
    });
  }

  async delete(threadId: string, owner: string): Promise<boolean> {
    await this.ensureSchema();
    const { rowCount } = await this.sql.query(
      `DELETE FROM ${this.schema}.threads WHERE thread_id = $1 AND owner = $2`,
      [threadId, owner],
    );
    return rowCount > 0;
  }
}

function toSummary(row: ThreadRow): ThreadSummary {
  return {
    threadId: row.thread_id,
    owner: row.owner,
    title: row.title,
    messageCount: Number(row.message_count),
    droppedCount: Number(row.dropped_count),
    ...(row.forked_from ? { forkedFrom: row.forked_from } : {}),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toMessage(row: MessageRow): ThreadMessage {
  return { role: row.role, text: row.text, ...(row.tool ? { tool: row.tool } : {}), at: new Date(row.at) };
}
