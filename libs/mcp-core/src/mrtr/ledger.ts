import { checkSchemaName, privateSchemaCreator, type SqlClient } from '@agent-mcp/context';

/**
 * Where the ids of used `requestState` values are recorded until they expire, so that each opens once. Shared
 * by every replica that may receive a retry (Redis or the application database); in memory for one process.
 */
export interface RequestStateLedger {
  /** Records `id` as used until `expiresAt` (epoch ms). Resolves true the first time, false on any later claim. */
  claim(id: string, expiresAt: number): Promise<boolean>;
}

/** Options of {@link InMemoryRequestStateLedger}. */
export interface InMemoryRequestStateLedgerOptions {
  /** Most ids held; past it the oldest are dropped (their states may then be replayed once). Default 100,000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** The ledger of one process: enough for stdio and a single HTTP replica. */
export class InMemoryRequestStateLedger implements RequestStateLedger {
  private readonly used = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: InMemoryRequestStateLedgerOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  async claim(id: string, expiresAt: number): Promise<boolean> {
    const now = this.now();
    const held = this.used.get(id);
    if (held !== undefined && held > now) return false;
    this.used.delete(id);
    this.used.set(id, expiresAt);
    if (this.used.size > this.maxEntries) this.prune(now);
    return true;
  }

  /** Drops expired ids, then the oldest claimed while still over the bound (insertion order). */
  private prune(now: number): void {
    for (const [id, expiresAt] of this.used) if (expiresAt <= now) this.used.delete(id);
    for (const id of this.used.keys()) {
      if (this.used.size <= this.maxEntries) break;
      this.used.delete(id);
    }
  }
}

/** What {@link RedisRequestStateLedger} needs of a Redis client; `ioredis` has it. */
export interface RedisLedgerClient {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
}

/** Options of {@link RedisRequestStateLedger}. */
export interface RedisRequestStateLedgerOptions {
  readonly redis: RedisLedgerClient;
  /** Key prefix. Default `agent-mcp:request-state:`. */
  readonly prefix?: string;
  readonly now?: () => number;
}

/** Used ids in Redis (`SET NX PX`): one claim wins across every replica, and the key expires with the state. */
export class RedisRequestStateLedger implements RequestStateLedger {
  private readonly prefix: string;
  private readonly now: () => number;

  constructor(private readonly options: RedisRequestStateLedgerOptions) {
    this.prefix = options.prefix ?? 'agent-mcp:request-state:';
    this.now = options.now ?? Date.now;
  }

  async claim(id: string, expiresAt: number): Promise<boolean> {
    const ttlMs = Math.max(1, expiresAt - this.now());
    return (await this.options.redis.set(this.prefix + id, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }
}

/** Options of {@link SqlRequestStateLedger}. */
export interface SqlRequestStateLedgerOptions {
  readonly sql: SqlClient;
  /** Schema of the ledger table, created if missing. Default `agent_mcp_state`. */
  readonly schema?: string;
}

/**
 * Used ids in the application database (PostgreSQL or the embedded engine): replicas on one database share it.
 * Expired rows are swept now and then by the claims themselves.
 */
export class SqlRequestStateLedger implements RequestStateLedger {
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
