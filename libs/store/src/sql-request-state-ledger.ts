import { checkSchemaName, privateSchemaCreator, type SqlClient } from '@agent-mcp/context';

/** Options of {@link SqlRequestStateLedger}. */
export interface SqlRequestStateLedgerOptions {
  readonly sql: SqlClient;
  /** Schema of the ledger table, created if missing. Default `agent_mcp_state`. */
  readonly schema?: string;
}

/**
 * The ids of used MCP `requestState` values (2026-07-28 input-required calls) in the application database
 * (PostgreSQL or the embedded engine), so that each state opens once on whichever replica its retry reaches:
 * `@agent-mcp/mcp-core`'s `RequestStateLedger` port. Expired rows are swept now and then by the claims themselves.
 */
export class SqlRequestStateLedger {
  private readonly table: string;
  private readonly ensureSchema: () => Promise<void>;
  private claims = 0;

  constructor(private readonly options: SqlRequestStateLedgerOptions) {
    const schema = checkSchemaName(options.schema ?? 'agent_mcp_state');
    this.table = `${schema}.used_request_states`;
    this.ensureSchema = privateSchemaCreator(options.sql, schema, 'agent-mcp request-state ledger', async (tx) => {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
          id text PRIMARY KEY,
          expires_at timestamptz NOT NULL
        )`);
      await tx.query(`CREATE INDEX IF NOT EXISTS used_request_states_expires ON ${this.table} (expires_at)`);
    });
  }

  /** Records `id` as used until `expiresAt` (epoch ms): true the first time, false on any later claim. */
  async claim(id: string, expiresAt: number): Promise<boolean> {
    await this.ensureSchema();
    // One claim in a thousand sweeps what expired: the table stays the size of the states in flight.
    if (++this.claims % 1000 === 0)
      await this.options.sql.query(`DELETE FROM ${this.table} WHERE expires_at < clock_timestamp()`);
    const inserted = await this.options.sql.query(
      `INSERT INTO ${this.table} (id, expires_at) VALUES ($1, to_timestamp($2 / 1000.0))
         ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, expiresAt],
    );
    return inserted.rows.length === 1;
  }
}
