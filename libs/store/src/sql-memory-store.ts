import {
  checkSchemaName,
  type MemorySetOptions,
  type MemoryStore,
  MemoryValueTooLargeError,
  privateSchemaCreator,
  type SqlClient,
} from '@agent-mcp/context';

/** Options of {@link SqlMemoryStore}. */
export interface SqlMemoryStoreOptions {
  readonly sql: SqlClient;
  /** Schema of the table, created if missing; out of reach of the role that runs callers' SQL. Default `agent_mcp_state`. */
  readonly schema?: string;
  /** Most entries one namespace (one principal) keeps; the least recently written go first. Default 100. */
  readonly maxEntriesPerNamespace?: number;
  /** Largest serialised value accepted, in bytes. Default 64 KiB (as the in-memory store). */
  readonly maxValueBytes?: number;
}

/**
 * The {@link MemoryStore} in PostgreSQL (a server or the embedded application database): a principal's memory
 * outlives restarts and every replica sees it. Bounded per namespace; values are JSON, expired entries read as
 * missing and are deleted as the namespace is next written.
 */
export class SqlMemoryStore implements MemoryStore {
  private readonly sql: SqlClient;
  private readonly table: string;
  private readonly maxEntries: number;
  private readonly maxValueBytes: number;
  /** Creates the schema and table if missing; safe to call from several processes at once. */
  readonly ensureSchema: () => Promise<void>;

  constructor(options: SqlMemoryStoreOptions) {
    this.sql = options.sql;
    const schema = checkSchemaName(options.schema ?? 'agent_mcp_state');
    this.table = `${schema}.memory`;
    this.maxEntries = options.maxEntriesPerNamespace ?? 100;
    this.maxValueBytes = options.maxValueBytes ?? 64 * 1024;
    this.ensureSchema = privateSchemaCreator(this.sql, schema, 'agent-mcp memory store schema', async (tx) => {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
          namespace text NOT NULL,
          key text NOT NULL,
          value jsonb NOT NULL,
          -- Write order, for oldest-first keys and eviction (write times tie).
          seq bigint GENERATED ALWAYS AS IDENTITY,
          updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          expires_at timestamptz,
          PRIMARY KEY (namespace, key)
        )`);
      await tx.query(`CREATE INDEX IF NOT EXISTS memory_namespace_seq ON ${this.table} (namespace, seq)`);
    });
  }

  async get<T = unknown>(namespace: string, key: string): Promise<T | undefined> {
    await this.ensureSchema();
    // As text: drivers parse jsonb, and a JSON string would come back indistinguishable from its text.
    const { rows } = await this.sql.query<{ value: string }>(
      `SELECT value::text AS value FROM ${this.table}
        WHERE namespace = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > clock_timestamp())`,
      [namespace, key],
    );
    const row = rows[0];
    if (!row) return undefined;
    return JSON.parse(row.value) as T;
  }

  async set(namespace: string, key: string, value: unknown, options: MemorySetOptions = {}): Promise<void> {
    const json = JSON.stringify(value ?? null);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxValueBytes) throw new MemoryValueTooLargeError(bytes, this.maxValueBytes);
    await this.ensureSchema();
    await this.sql.transaction(async (tx) => {
      await tx.query(
        `DELETE FROM ${this.table} WHERE namespace = $1 AND expires_at IS NOT NULL AND expires_at <= clock_timestamp()`,
        [namespace],
      );
      // A rewrite is a new write: delete and insert, so it takes a new place in write order.
      await tx.query(`DELETE FROM ${this.table} WHERE namespace = $1 AND key = $2`, [namespace, key]);
      await tx.query(
        `INSERT INTO ${this.table} (namespace, key, value, expires_at)
         VALUES ($1, $2, $3::jsonb, CASE WHEN $4::bigint IS NULL THEN NULL
                                         ELSE clock_timestamp() + $4::bigint * interval '1 millisecond' END)`,
        [namespace, key, json, options.ttlMs ?? null],
      );
      await tx.query(
        `DELETE FROM ${this.table} WHERE namespace = $1 AND seq IN (
           SELECT seq FROM ${this.table} WHERE namespace = $1 ORDER BY seq DESC OFFSET $2)`,
        [namespace, this.maxEntries],
      );
    });
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    await this.ensureSchema();
    const result = await this.sql.query(
      `DELETE FROM ${this.table} WHERE namespace = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > clock_timestamp())`,
      [namespace, key],
    );
    return result.rowCount > 0;
  }

  async keys(namespace: string): Promise<string[]> {
    await this.ensureSchema();
    const { rows } = await this.sql.query<{ key: string }>(
      `SELECT key FROM ${this.table}
        WHERE namespace = $1 AND (expires_at IS NULL OR expires_at > clock_timestamp()) ORDER BY seq`,
      [namespace],
    );
    return rows.map((r) => r.key);
  }
}
