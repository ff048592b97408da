import { type Logger, noopLogger, privateSchemaCreator, type SqlClient, type SqlQueryable } from '@agent-mcp/context';

/**
 * One table of the server's state to carry over: its name in `agent_mcp_state`, the key that makes a second copy
 * of a row a no-op, and the sequences (or identity columns) to move past the copied rows.
 */
export interface StateTable {
  readonly name: string;
  /** Columns of the primary key, for a stable batch order. */
  readonly key: readonly string[];
  /** Has a `GENERATED ALWAYS AS IDENTITY` column whose copied values must be kept. */
  readonly identity?: { readonly column: string };
  /** A sequence that numbers `column` of this table. */
  readonly sequence?: { readonly name: string; readonly column: string };
}

/**
 * The state tables the server kept in the database tools' embedded engine before it had an application
 * database of its own, parents before children.
 */
export const LEGACY_STATE_TABLES: readonly StateTable[] = [
  { name: 'threads', key: ['thread_id'], sequence: { name: 'thread_seq', column: 'seq' } },
  { name: 'thread_messages', key: ['thread_id', 'position'] },
  { name: 'tasks', key: ['task_id'], identity: { column: 'seq' } },
  { name: 'support_confirmations', key: ['confirmation_id'] },
];

/** Options of {@link migrateLegacyState}. */
export interface StateMigrationOptions {
  /** Where the state was: the owner's client of the old embedded database. */
  readonly from: SqlClient;
  /** The application database. */
  readonly to: SqlClient;
  /** A name for this move, recorded in the target so it runs once. */
  readonly name: string;
  /** Creates the target's tables (the stores' `ensureSchema`), before any row is copied. */
  readonly ensureTarget: () => Promise<void>;
  readonly tables?: readonly StateTable[];
  /** Rows per statement; bounds the memory one batch takes. Default 500. */
  readonly batchRows?: number;
  readonly logger?: Logger;
}

/** What {@link migrateLegacyState} did. */
export type StateMigrationResult =
  { readonly status: 'done_before' } | { readonly status: 'copied'; readonly rows: Readonly<Record<string, number>> };

const SCHEMA = 'agent_mcp_state';

/**
 * Copies the server's state (`agent_mcp_state`) from where an older version kept it into the application
 * database, once: each row is inserted unless its key is there already (a copy interrupted half-way is simply
 * run again), and the move is recorded in the target (`agent_mcp_state.migrations`), so later starts do not
 * even open the source. The source is left as it was. A table missing in the source (a version that never
 * wrote it) is skipped.
 */
export async function migrateLegacyState(options: StateMigrationOptions): Promise<StateMigrationResult> {
  const { from, to, name } = options;
  const logger = options.logger ?? noopLogger;
  const tables = options.tables ?? LEGACY_STATE_TABLES;
  const batchRows = options.batchRows ?? 500;
  await ensureMigrationsTable(to)();
  const done = await to.query(`SELECT 1 FROM ${SCHEMA}.migrations WHERE name = $1`, [name]);
  if (done.rows.length > 0) return { status: 'done_before' };

  await options.ensureTarget();
  const rows: Record<string, number> = {};
  for (const table of tables) {
    if (!(await tableExists(from, table.name))) continue;
    rows[table.name] = await copyTable(from, to, table, batchRows);
  }
  await to.query(`INSERT INTO ${SCHEMA}.migrations (name, detail) VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING`, [
    name,
    JSON.stringify({ rows }),
  ]);
  if (Object.values(rows).some((n) => n > 0)) logger.info('server state moved to the application database', { rows });
  return { status: 'copied', rows };
}

function ensureMigrationsTable(sql: SqlClient): () => Promise<void> {
  return privateSchemaCreator(sql, SCHEMA, 'agent-mcp state migrations', async (tx) => {
    await tx.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.migrations (
        name text PRIMARY KEY,
        done_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        detail jsonb
      )`);
  });
}

async function tableExists(sql: SqlQueryable, table: string): Promise<boolean> {
  const { rows } = await sql.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
    `${SCHEMA}.${table}`,
  ]);
  return rows[0]?.found != null;
}

/**
 * Copies `table` in batches in key order. Each batch travels as one JSON array, which the target turns back into
 * rows of its own column types (`jsonb_populate_recordset`), so timestamps, JSON and text keep their values
 * whichever driver read them.
 */
async function copyTable(from: SqlClient, to: SqlClient, table: StateTable, batchRows: number): Promise<number> {
  const qualified = `${SCHEMA}.${table.name}`;
  const order = table.key.join(', ');
  const overriding = table.identity ? 'OVERRIDING SYSTEM VALUE' : '';
  let copied = 0;
  for (let offset = 0; ; offset += batchRows) {
    const { rows } = await from.query<{ batch: unknown; n: number }>(
      `SELECT coalesce(jsonb_agg(to_jsonb(t)), '[]'::jsonb) AS batch, count(*)::int AS n
         FROM (SELECT * FROM ${qualified} ORDER BY ${order} LIMIT $1 OFFSET $2) t`,
      [batchRows, offset],
    );
    const n = Number(rows[0]?.n ?? 0);
    if (n === 0) break;
    const batch = typeof rows[0]?.batch === 'string' ? rows[0].batch : JSON.stringify(rows[0]?.batch);
    const inserted = await to.query(
      `INSERT INTO ${qualified} ${overriding} SELECT * FROM jsonb_populate_recordset(NULL::${qualified}, $1::jsonb)
       ON CONFLICT DO NOTHING`,
      [batch],
    );
    copied += inserted.rowCount ?? 0;
    if (n < batchRows) break;
  }
  // New rows are numbered after the copied ones.
  if (table.sequence) await advance(to, `'${SCHEMA}.${table.sequence.name}'`, qualified, table.sequence.column);
  if (table.identity)
    await advance(
      to,
      `pg_get_serial_sequence('${qualified}', '${table.identity.column}')`,
      qualified,
      table.identity.column,
    );
  return copied;
}

async function advance(sql: SqlClient, sequence: string, table: string, column: string): Promise<void> {
  await sql.query(
    `SELECT setval(${sequence}, (SELECT max(${column}) FROM ${table}))
      WHERE (SELECT max(${column}) FROM ${table}) IS NOT NULL`,
  );
}
