import { type SqlClient, type SqlQueryable } from '@agent-mcp/context';
import { SUPPORT_TABLES_DDL } from '@agent-mcp/store';

/**
 * The tables the support tools read and write, each created where it is missing, in dependency order: the
 * support data model of `@agent-mcp/store`, which the sample data set of `@agent-mcp/tools-database` creates too
 * (with rows, for its SQL tools), so either may come first, and the tables only this library keeps; an existing
 * table is never altered.
 */
const TABLES: ReadonlyArray<readonly [name: string, ddl: string]> = [
  ...SUPPORT_TABLES_DDL,
  [
    // Which reply an idempotency key wrote: a reply repeated with its key (an agent step run again after a crash,
    // a client's retry) finds it here and writes nothing. A table of its own, so ticket_messages stays as the
    // sample data set defines it. Row-level security with no policy: the owner (this library's connection) reads
    // it, while the SQL tools' read-only role, granted SELECT on every table of the schema, sees no row.
    'ticket_reply_keys',
    `CREATE TABLE ticket_reply_keys (
      tenant_id text NOT NULL,
      idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
      message_id integer NOT NULL REFERENCES ticket_messages (id),
      PRIMARY KEY (tenant_id, idempotency_key)
    );
    ALTER TABLE ticket_reply_keys ENABLE ROW LEVEL SECURITY;`,
  ],
];

/** The support tables' names, in creation order. */
export const SUPPORT_TABLES: readonly string[] = TABLES.map(([name]) => name);

/**
 * Returns a function that creates the support tables missing on `sql` once (safe from several processes at
 * once: one advisory lock). Only missing tables are created, so a role without CREATE on the schema works over
 * tables that exist. A failure is thrown and the next call tries again.
 */
export function supportSchemaCreator(sql: SqlClient): () => Promise<void> {
  let ready: Promise<void> | undefined;
  // The names are this file's constants, never input.
  const missing = async (tx: SqlQueryable): Promise<Set<string>> => {
    const columns = SUPPORT_TABLES.map((name) => `to_regclass('${name}')::text AS ${name}`).join(', ');
    const row = (await tx.query(`SELECT ${columns}`)).rows[0] ?? {};
    return new Set(SUPPORT_TABLES.filter((name) => row[name] == null));
  };
  const create = () =>
    sql.transaction(async (tx) => {
      if ((await missing(tx)).size === 0) return;
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['agent-mcp support tables']);
      // Again under the lock: another process may have created them meanwhile.
      const toCreate = await missing(tx);
      for (const [name, ddl] of TABLES) {
        if (!toCreate.has(name)) continue;
        for (const statement of ddl.split(/;\s*(?:\n|$)/).filter((s) => s.trim())) await tx.query(statement);
      }
    });
  return () =>
    (ready ??= create().catch((error: unknown) => {
      ready = undefined;
      throw error;
    }));
}
