import { checkSchemaName, privateSchemaCreator, type SqlClient, type SqlQueryable } from '@agent-mcp/context';
import { StoreError } from './errors';

/** A stored confirmation: the id to give back, and until when it can be used. */
export interface PendingConfirmation {
  readonly confirmationId: string;
  /** ISO 8601, UTC. */
  readonly expiresAt: string;
}

/**
 * What consuming a confirmation found; `action` is the JSON value stored (`unknown`, for its library to check), or
 * the library's checked type `A`.
 */
export type ConfirmationClaim<A = unknown> =
  | { readonly status: 'claimed'; readonly action: A }
  /** Unknown, or another principal's or tenant's (the two read the same). */
  | { readonly status: 'not_found' }
  | { readonly status: 'used' }
  | { readonly status: 'expired' };

/**
 * Pending confirmations of writes a user must approve, with actions of type `A`: the port a tool library uses
 * (`@agent-mcp/tools-support`'s, with its checked support action), which {@link SqlConfirmationStore} implements.
 */
export interface ConfirmationStore<A = unknown> {
  /** Creates the table if missing; call before opening the transaction `consume` runs in. */
  ensureSchema(): Promise<void>;
  /**
   * Stores `action` for `owner` (a principal key) in `tenant`. With `key` (the step of a recorded run that stores
   * it), once per owner and key: a repeat returns the confirmation stored the first time, so a run resumed after a
   * crash asks about the same one. @throws {@link TooManyPendingError} past the owner's limit.
   */
  create(
    owner: string,
    tenant: string,
    action: A,
    ttlSeconds: number,
    signal?: AbortSignal,
    key?: string,
  ): Promise<PendingConfirmation>;
  /** Consumes it once, on `tx`, the transaction that also writes the action. */
  consume(
    tx: SqlQueryable,
    confirmationId: string,
    owner: string,
    tenant: string,
    decision: 'approved' | 'declined',
    signal?: AbortSignal,
  ): Promise<ConfirmationClaim<A>>;
}

/** Options of {@link SqlConfirmationStore}. */
export interface SqlConfirmationStoreOptions {
  /** The database the confirmed writes go to: a confirmation is consumed in the transaction that writes. */
  readonly sql: SqlClient;
  /** Schema of the table, created if missing; out of reach of the role that runs callers' SQL. Default `agent_mcp_state`. */
  readonly schema?: string;
  /** Most confirmations one principal may have waiting at once. Default 100. */
  readonly maxPendingPerOwner?: number;
}

/** A principal has too many confirmations waiting (see {@link SqlConfirmationStoreOptions.maxPendingPerOwner}). */
export class TooManyPendingError extends StoreError {
  readonly code = 'TOO_MANY_PENDING_CONFIRMATIONS';
}

/** Used and expired confirmations are kept this long, so a late confirm reads "used" or "expired", not "unknown". */
const KEEP_AFTER_EXPIRY = '1 day';

/**
 * Pending confirmations of writes a user must approve (the support tools' tickets and replies), in PostgreSQL (a
 * server or the embedded engine): each holds the exact action as JSON, is keyed to the principal and tenant that
 * caused it, expires, and is consumed at most once by one atomic
 * `UPDATE ... WHERE consumed_at IS NULL AND expires_at > now() ... RETURNING`, so two confirms racing for one id
 * (on one replica or two) cannot both win.
 */
export class SqlConfirmationStore implements ConfirmationStore {
  private readonly sql: SqlClient;
  private readonly table: string;
  private readonly maxPending: number;
  private readonly ensure: () => Promise<void>;

  constructor(options: SqlConfirmationStoreOptions) {
    this.sql = options.sql;
    const schema = checkSchemaName(options.schema ?? 'agent_mcp_state');
    this.table = `${schema}.support_confirmations`;
    this.maxPending = options.maxPendingPerOwner ?? 100;
    this.ensure = privateSchemaCreator(this.sql, schema, 'agent-mcp support confirmations schema', async (tx) => {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
          confirmation_id text PRIMARY KEY,
          owner text NOT NULL,
          tenant_id text NOT NULL,
          action jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          expires_at timestamptz NOT NULL,
          consumed_at timestamptz,
          decision text CHECK (decision IN ('approved', 'declined'))
        )`);
      await tx.query(`CREATE INDEX IF NOT EXISTS support_confirmations_owner ON ${this.table} (owner, expires_at)`);
      await tx.query(`CREATE INDEX IF NOT EXISTS support_confirmations_expiry ON ${this.table} (expires_at)`);
    });
  }

  /** Creates the schema and table if missing; safe from several processes at once. */
  async ensureSchema(): Promise<void> {
    // Other stores create the same schema under their own lock: a lost race on it fails once, the retry sees it.
    await this.ensure().catch(() => this.ensure());
  }

  /**
   * Stores `action` for `owner` (a principal key) in `tenant`, usable for `ttlSeconds`.
   * @throws {@link TooManyPendingError} when the owner already has `maxPendingPerOwner` waiting.
   */
  async create(
    owner: string,
    tenant: string,
    action: unknown,
    ttlSeconds: number,
    signal?: AbortSignal,
    key?: string,
  ): Promise<PendingConfirmation> {
    await this.ensureSchema();
    const options = signal ? { signal } : {};
    const keyed = key === undefined ? undefined : await keyedId(owner, key);
    if (keyed) {
      const stored = await this.storedAs(keyed, owner, options);
      if (stored) return stored;
    }
    await this.sql.query(
      `DELETE FROM ${this.table} WHERE expires_at < clock_timestamp() - interval '${KEEP_AFTER_EXPIRY}'`,
      [],
      options,
    );
    const waiting = await this.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.table} WHERE owner = $1 AND consumed_at IS NULL AND expires_at > clock_timestamp()`,
      [owner],
      options,
    );
    if (Number(waiting.rows[0]?.n ?? 0) >= this.maxPending) {
      throw new TooManyPendingError(
        `There are already ${this.maxPending} confirmations waiting; confirm or discard some first.`,
      );
    }
    // 122 random bits: the id is a capability of its owner, unguessable by anyone else (a keyed one: see keyedId).
    const confirmationId = keyed ?? `cf_${globalThis.crypto.randomUUID().replace(/-/g, '')}`;
    const { rows } = await this.sql.query<{ expires_at: Date | string }>(
      `INSERT INTO ${this.table} (confirmation_id, owner, tenant_id, action, expires_at)
       VALUES ($1, $2, $3, $4::jsonb, clock_timestamp() + make_interval(secs => $5))
       ON CONFLICT (confirmation_id) DO NOTHING
       RETURNING expires_at`,
      [confirmationId, owner, tenant, JSON.stringify(action), ttlSeconds],
      options,
    );
    if (rows[0]) return { confirmationId, expiresAt: new Date(rows[0].expires_at).toISOString() };
    // Stored by a concurrent repeat of the same key between the look and the insert.
    const stored = keyed && (await this.storedAs(keyed, owner, options));
    if (!stored) throw new Error(`confirmation ${confirmationId} could not be stored`);
    return stored;
  }

  /** The confirmation stored under `confirmationId` for `owner`, if any. */
  private async storedAs(
    confirmationId: string,
    owner: string,
    options: { signal?: AbortSignal },
  ): Promise<PendingConfirmation | undefined> {
    const { rows } = await this.sql.query<{ expires_at: Date | string }>(
      `SELECT expires_at FROM ${this.table} WHERE confirmation_id = $1 AND owner = $2`,
      [confirmationId, owner],
      options,
    );
    return rows[0] && { confirmationId, expiresAt: new Date(rows[0].expires_at).toISOString() };
  }

  /**
   * Consumes a confirmation of `owner` in `tenant`, once: the first call gets its action (`decision` records
   * whether it was approved or discarded), every later one `used`. Run it on `tx`, the transaction that also
   * writes the action, so the confirmation is spent if and only if the write commits. Call
   * {@link SqlConfirmationStore.ensureSchema} before opening `tx` (it runs a transaction of its own).
   */
  async consume(
    tx: SqlQueryable,
    confirmationId: string,
    owner: string,
    tenant: string,
    decision: 'approved' | 'declined',
    signal?: AbortSignal,
  ): Promise<ConfirmationClaim> {
    const options = signal ? { signal } : {};
    const claimed = await tx.query<{ action: unknown }>(
      `UPDATE ${this.table} SET consumed_at = clock_timestamp(), decision = $4
        WHERE confirmation_id = $1 AND owner = $2 AND tenant_id = $3 AND consumed_at IS NULL AND expires_at > clock_timestamp()
        RETURNING action`,
      [confirmationId, owner, tenant, decision],
      options,
    );
    const row = claimed.rows[0];
    if (row) {
      const raw = typeof row.action === 'string' ? (JSON.parse(row.action) as unknown) : row.action;
      return { status: 'claimed', action: raw };
    }
    const seen = await tx.query<{ used: boolean }>(
      `SELECT consumed_at IS NOT NULL AS used FROM ${this.table} WHERE confirmation_id = $1 AND owner = $2 AND tenant_id = $3`,
      [confirmationId, owner, tenant],
      options,
    );
    const found = seen.rows[0];
    if (!found) return { status: 'not_found' };
    return found.used ? { status: 'used' } : { status: 'expired' };
  }
}

/**
 * The id of the confirmation `owner` stores under `key`: as long as a random one (128 bits of a SHA-256) and as
 * unguessable as the key (a run's step key names the run, whose id is random and its owner's), the same on every
 * repeat, and another owner's for the same key.
 */
async function keyedId(owner: string, key: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${owner}\n${key}`));
  return `cf_${Buffer.from(digest).toString('hex').slice(0, 32)}`;
}
