/**
 * The SQL our engines wrap around a caller's statement. Only our own text and validated numbers go in here;
 * the caller's statement always travels alone in an extended-protocol message.
 */

/** Name of the transaction-local setting row-level security policies read the tenant from. */
export const TENANT_SETTING = 'app.tenant_id';

const TENANT_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** Options of {@link transactionPreamble}. */
export interface PreambleOptions {
  readonly timeoutMs: number;
  readonly tenantId?: string;
  /** Role to switch to for the transaction (the embedded engine, whose session is its superuser). */
  readonly role?: string;
  /**
   * The statement timeout the session already has as its default ({@link sessionDefaults} at connection
   * start): when the call's timeout equals it, the timeouts need no SET of their own.
   */
  readonly sessionTimeoutMs?: number;
  /**
   * The tenant the session already has as its default ({@link sessionDefaults}): a call for that tenant needs
   * no SET; a call for another tenant, or for none, sets its own (none as the empty string).
   */
  readonly sessionTenantId?: string;
}

/** The timeouts and time zone of a call with the given statement deadline, as setting name to value. */
function callSettings(timeoutMs: number): Array<[string, string]> {
  const ms = Math.max(1, Math.floor(timeoutMs));
  return [
    ['statement_timeout', String(ms)],
    ['lock_timeout', String(Math.max(1, Math.min(ms, 1000)))],
    ['idle_in_transaction_session_timeout', String(ms + 5000)],
    ['TimeZone', 'UTC'],
  ];
}

/**
 * The same timeouts, and the usual tenant, as session defaults in the form of libpq's `options` startup
 * parameter. A server connection started with them needs no SET per call for the usual deadline and tenant,
 * and `DISCARD ALL` (`RESET ALL`) returns to them. Why a default cannot leak from one call into the next: every
 * SET or `set_config` a call makes, LOCAL or not, is undone by its transaction's rollback, and a connection
 * whose call failed before its rollback gets ROLLBACK and `DISCARD ALL` before it is reused.
 * `default_transaction_read_only` is on as well, so SQL that ever ran outside our transaction would still be
 * read-only (the read-only role has the same default; this holds for any role).
 */
export function sessionDefaults(timeoutMs: number, tenantId?: string): string {
  const settings = [...callSettings(timeoutMs), ['default_transaction_read_only', 'on']];
  if (tenantId !== undefined) settings.push([TENANT_SETTING, checkedTenant(tenantId)]);
  return settings.map(([name, value]) => `-c ${name}=${value}`).join(' ');
}

function checkedTenant(tenantId: string): string {
  if (!TENANT_ID.test(tenantId)) throw new Error('tenant id must be 1-128 characters of A-Z a-z 0-9 _ . : @ -');
  return tenantId;
}

/**
 * Opens the read-only transaction: timeouts, UTC for stable timestamps, and the tenant. Every SET is
 * LOCAL, so it ends with the transaction. One string for a simple-protocol message (the embedded engine).
 */
export function transactionPreamble(options: PreambleOptions): string {
  return preambleStatements(options).join('; ');
}

/**
 * The statements of {@link transactionPreamble} one by one, for engines that send each in its own
 * extended-protocol message (a Parse carries exactly one statement).
 */
export function preambleStatements({
  timeoutMs,
  tenantId,
  role,
  sessionTimeoutMs,
  sessionTenantId,
}: PreambleOptions): string[] {
  const parts = ['BEGIN TRANSACTION READ ONLY'];
  if (sessionTimeoutMs === undefined || Math.floor(sessionTimeoutMs) !== Math.floor(timeoutMs)) {
    for (const [name, value] of callSettings(timeoutMs)) parts.push(`SET LOCAL ${name} = ${quoteLiteral(value)}`);
  }
  if (role) parts.push(`SET LOCAL ROLE ${quoteIdent(role)}`);
  if (tenantId !== sessionTenantId) {
    parts.push(`SET LOCAL ${TENANT_SETTING} = '${tenantId === undefined ? '' : checkedTenant(tenantId)}'`);
  }
  return parts;
}

/**
 * What a server session still needs after the call's read-only transaction was rolled back, sent in the
 * same pipeline right after the ROLLBACK, instead of `DISCARD ALL` (which refuses to run inside a pipeline
 * from PostgreSQL 17 on and costs a round trip of its own before that).
 *
 * Why these two are enough, taking `DISCARD ALL`'s parts one by one for a transaction that was READ ONLY,
 * ran one statement the guard admitted, and was rolled back:
 * - settings (`RESET ALL`, `SET SESSION AUTHORIZATION DEFAULT`): every SET, LOCAL or not, and every
 *   `set_config` made inside a transaction is undone when it rolls back;
 * - cursors (`CLOSE ALL`): portals of the transaction, WITH HOLD ones included, are dropped by its abort (a
 *   held cursor outlives only a transaction that commits, and ours never does);
 * - `UNLISTEN *`: LISTEN takes effect at commit;
 * - temporary tables (`DISCARD TEMP`): CREATE is refused in a read-only transaction (and the role has no
 *   TEMP), and the creation would be rolled back anyway;
 * - sequence state (`DISCARD SEQUENCES`): `nextval` and `setval` are refused in a read-only transaction, so
 *   `currval`/`lastval` cannot change;
 * - cached plans (`DISCARD PLANS`): invisible to the next caller, they only save planning time;
 * - session advisory locks and prepared statements are NOT transactional: a lock taken with
 *   `pg_advisory_lock` and a statement made with PREPARE survive a rollback. The guard refuses both by name,
 *   but a function that already exists in the database (a plpgsql body running `EXECUTE 'PREPARE ...'`
 *   or `PERFORM pg_advisory_lock(...)`) could still make them. These two statements release them.
 * A call whose statement failed skips this pipeline's tail, so its connection gets ROLLBACK and the full
 * `DISCARD ALL` instead (see the engine).
 */
export const RESET_AFTER_ROLLBACK: readonly string[] = ['SELECT pg_advisory_unlock_all()', 'DEALLOCATE ALL'];

/**
 * Resets everything a session may carry besides its login identity (settings, cursors, prepared statements,
 * listeners, advisory locks, temporary tables, cached plans and sequence state). `DISCARD ALL` does the same
 * on a server; the embedded engine cannot use it because it would also reset the session to its superuser.
 */
export const SESSION_RESET_EMBEDDED = [
  'CLOSE ALL',
  'RESET ALL',
  'DEALLOCATE ALL',
  'UNLISTEN *',
  'SELECT pg_advisory_unlock_all()',
  'DISCARD TEMP',
  'DISCARD SEQUENCES',
  'DISCARD PLANS',
].join('; ');

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes an SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
