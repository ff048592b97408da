import type { Socket } from 'node:net';
import type pg from 'pg';
import { DatabaseError, QueryCancelledError, QueryFailedError } from '../errors';
import { type CheckedStatement, CURSOR_NAME, trustedStatement } from '../guard/statement-guard';
import { auditProblems, ROLE_AUDIT_SQL } from '../engine/role-audit';
import { preambleStatements, RESET_AFTER_ROLLBACK, sessionDefaults } from '../engine/session-sql';
import {
  type ExecuteOptions,
  type QueryEngine,
  type QueryResult,
  type RawResult,
  type RoleAudit,
} from '../engine/types';
import { paramText, rowBytes, toQueryResult } from '../engine/values';
import { loadDependency } from '../load-dependency';
import { cancelPgStatement } from '@agent-mcp/store';
import { ReadOnlyCall, type ReadOnlyCallOutcome, type ReadOnlyCallPlan } from './read-only-call';
import { type FramedStatements, frameQuery, frameStatement, frameStatements, SYNC } from './wire';

/** Options of {@link createPostgresEngine}. */
export interface PostgresEngineOptions {
  /** `postgres://user@host:port/db`; connect as the read-only role (`npm run db:setup-role`). */
  readonly connectionString: string;
  /**
   * The usual statement deadline, set as each connection's default at its start so calls with this deadline
   * send no SET of their own (calls with another deadline still get theirs). Default 30 000 ms.
   */
  readonly statementTimeoutMs?: number;
  /**
   * The usual tenant (`app.tenant_id`), set as each connection's default at its start so calls for it send no
   * SET of their own (calls for another tenant, or none, still get theirs). Default: none.
   */
  readonly defaultTenantId?: string;
  /** Most pooled connections. Default 10. */
  readonly poolMax?: number;
  /** How long to wait for a connection (new or from the pool). Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** After a cancellation, how long the server gets to stop before the connection is destroyed. Default 1000 ms. */
  readonly cancelGraceMs?: number;
  /** Called for errors of idle pooled connections (a server restart, a terminated backend). */
  readonly onIdleError?: (error: Error) => void;
}

type Row = Array<string | null>;

// Every value stays PostgreSQL text; values.ts decides what becomes a JSON number, boolean or object.
const RAW_TYPES = { getTypeParser: () => (value: string) => value };
// The socket may carry this much more than the byte cap before the connection is cut (one huge value).
const WIRE_SLACK = 1024 * 1024;
// After the statement, in the same round trip: end the transaction, then release what a rollback does not.
const EPILOGUE_STATEMENTS = ['ROLLBACK', ...RESET_AFTER_ROLLBACK];
const EPILOGUE = frameStatements(EPILOGUE_STATEMENTS);
// Framed preambles by deadline and tenant: a server sees few of each. Bounded all the same.
const PREAMBLE_CACHE_SIZE = 256;

/** The preamble of a deadline and tenant, as statements and framed as extended-protocol messages. */
interface Preamble {
  readonly statements: readonly string[];
  readonly framed: FramedStatements;
}

/**
 * Real PostgreSQL through a `pg` pool. Per call, one write carries the whole call (`BEGIN READ ONLY` and
 * LOCAL settings, the statement, `ROLLBACK` and the session reset) and the server answers it in one flush:
 * one round trip, with the connection back in the pool as soon as the answer is read.
 *
 * A SELECT without parameters goes as ONE simple-protocol Query: the preamble, the guard's cursor text (one
 * `DECLARE ... NO SCROLL CURSOR FOR` of the statement), one `FETCH` of the row cap + 1 (the server stops one
 * row past the cap), and the epilogue. A simple Query costs the server much less per statement than Parse,
 * Bind and Execute each. It holds the caller's text beside ours, so why nothing of the caller's can reach past
 * its own statement: the guard parsed the cursor text alone as exactly one complete DECLARE of the checked
 * statement, so it ends outside any quote, comment or dollar-quoted string, and it ends with a line break, so a
 * line comment ends there too; the server parses the whole text before it runs any of it, so nothing the
 * statement runs can change how the text splits; `standard_conforming_strings` is the same for both (on since
 * PostgreSQL 9.1; only a server configured otherwise lexes backslashes differently, and even then the statements
 * run inside the read-only transaction, as a role whose `default_transaction_read_only` is on). Anything else
 * (parameters, EXPLAIN, SHOW, our own SQL) goes as extended-protocol messages closed by one Sync, where a
 * Parse carries exactly one statement.
 */
export function createPostgresEngine(options: PostgresEngineOptions): QueryEngine {
  const cancelGraceMs = options.cancelGraceMs ?? 1000;
  const sessionTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const sessionTenantId = options.defaultTenantId;
  const { Pool } = loadDependency<typeof pg>('pg');
  const pool = new Pool({
    connectionString: options.connectionString,
    options: withStartupOptions(options.connectionString, sessionDefaults(sessionTimeoutMs, sessionTenantId)),
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    application_name: 'agent-mcp-tools-database',
    types: RAW_TYPES,
  } as pg.PoolConfig);
  pool.on('error', (error) => options.onIdleError?.(error));
  // A connection we cut on purpose (byte cap, cancellation) reports its end as an error event; without a
  // listener that would be an uncaught exception. Calls learn of failures from their queries.
  pool.on('connect', (client) => client.on('error', () => undefined));

  const preambles = new Map<string, Preamble>();
  const preambleFor = (timeoutMs: number, tenantId: string | undefined): Preamble => {
    const key = `${timeoutMs}\n${tenantId ?? ''}`;
    let preamble = preambles.get(key);
    if (!preamble) {
      const statements = preambleStatements({ timeoutMs, tenantId, sessionTimeoutMs, sessionTenantId });
      preamble = { statements, framed: frameStatements(statements) };
      if (preambles.size >= PREAMBLE_CACHE_SIZE) preambles.clear();
      preambles.set(key, preamble);
    }
    return preamble;
  };

  async function run(statement: CheckedStatement, opts: ExecuteOptions): Promise<RawResult> {
    const { signal } = opts;
    if (signal?.aborted) throw new QueryCancelledError(signal.reason);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw new DatabaseError(
        'DATABASE_UNAVAILABLE',
        `Could not connect to PostgreSQL: ${(error as Error).message}`,
        undefined,
        error,
      );
    }
    // Cancelled while it waited for a connection (a busy pool): nothing was sent, the connection goes back as it is.
    if (signal?.aborted) {
      client.release();
      throw new QueryCancelledError(signal.reason);
    }

    let stop: 'cancelled' | 'timeout' | 'bytes' | undefined;
    const stream = socketOf(client);
    let wireBytes = 0;
    const wireLimit = opts.maxBytes * 4 + WIRE_SLACK;
    const onData = (chunk: Buffer) => {
      wireBytes += chunk.length;
      if (wireBytes > wireLimit && !stop) {
        stop = 'bytes';
        stream.destroy();
      }
    };
    stream.on('data', onData);

    let stopCancelling: (() => void) | undefined;
    const interrupt = (why: 'cancelled' | 'timeout') => {
      if (stop) return;
      stop = why;
      // Asked again until the call ends: a cancel landing while the server reads the pipeline's next message is
      // dropped (a cancel sent as the statement starts was lost now and then, and the statement ran on to its
      // timeout). The connection is discarded after an interrupted call, so a late request harms nothing.
      stopCancelling = cancelPgStatement(client, cancelGraceMs, () => stream.destroy());
    };
    const onAbort = () => interrupt('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    // The server's statement_timeout normally fires first; this covers a server or network that hangs.
    const deadline = setTimeout(() => interrupt('timeout'), opts.timeoutMs + 1000);

    // Rows are kept as they arrive, up to the caps: memory is bounded by the caps, not by the result.
    const collected: Row[] = [];
    let bytes = 0;
    let truncatedBy: 'rows' | 'bytes' | undefined;
    const onRow = (row: Row) => {
      if (truncatedBy) return;
      if (collected.length >= opts.maxRows) return void (truncatedBy = 'rows');
      const size = rowBytes(row);
      if (bytes + size > opts.maxBytes) return void (truncatedBy = 'bytes');
      bytes += size;
      collected.push(row);
    };
    let outcome: ReadOnlyCallOutcome | undefined;
    let call: ReadOnlyCall | undefined;
    let offset = 0;
    try {
      const planned = planCall(preambleFor(opts.timeoutMs, opts.tenantId), statement, opts);
      offset = planned.offset;
      call = new ReadOnlyCall(planned.plan, onRow, () => client.getTransactionStatus() === 'I');
      client.query(call);
      outcome = await call.done;
    } catch (error) {
      if (stop === 'bytes')
        return { fields: call?.fields ?? [], rows: collected, truncated: true, truncatedBy: 'bytes' };
      throw mapError(error, stop, signal, opts.timeoutMs, offset);
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      release(client, stop === undefined && outcome?.clean === true, stop !== undefined, () => {
        stopCancelling?.();
        stream.removeListener('data', onData);
      });
    }
    if (stop === 'cancelled') throw new QueryCancelledError(signal?.reason);
    return {
      fields: outcome.fields,
      rows: collected,
      truncated: truncatedBy !== undefined,
      ...(truncatedBy ? { truncatedBy } : {}),
    };
  }

  return {
    kind: 'postgres',
    async execute(statement, opts): Promise<QueryResult> {
      return toQueryResult(await run(statement, opts));
    },
    async auditRole(): Promise<RoleAudit> {
      const result = await this.execute(trustedStatement(ROLE_AUDIT_SQL), {
        maxRows: 1,
        maxBytes: 65_536,
        timeoutMs: 10_000,
      });
      return auditProblems(result.rows[0] ?? {});
    },
    async close() {
      await pool.end();
    },
    poolStats() {
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: options.poolMax ?? 10 };
    },
  };
}

/**
 * What one call sends (see {@link createPostgresEngine}), and where the caller's statement starts in the text
 * the server parses, so that error positions are the caller's. One row past the cap tells the result was cut.
 */
function planCall(
  preamble: Preamble,
  statement: CheckedStatement,
  opts: ExecuteOptions,
): { plan: ReadOnlyCallPlan; offset: number } {
  const values = paramText(opts.params);
  if (statement.cursorText !== undefined && values.length === 0) {
    const statements = [
      ...preamble.statements,
      statement.cursorText,
      `FETCH FORWARD ${opts.maxRows + 1} FROM ${CURSOR_NAME}`,
      ...EPILOGUE_STATEMENTS,
    ];
    const text = statements.join(';\n');
    return {
      plan: { message: frameQuery(text), rowsAt: preamble.statements.length + 1, statements: statements.length },
      offset: text.indexOf(statement.cursorText) + statement.cursorText.indexOf(statement.text),
    };
  }
  const { framed } = preamble;
  return {
    plan: {
      message: Buffer.concat([
        framed.bytes,
        frameStatement(statement.text, values, opts.maxRows + 1),
        EPILOGUE.bytes,
        SYNC,
      ]),
      rowsAt: framed.count,
      statements: framed.count + 1 + EPILOGUE.count,
    },
    offset: 0,
  };
}

/**
 * Returns the connection to the pool: at once when its pipeline ended clean (rolled back and reset in the
 * same round trip); after ROLLBACK and `DISCARD ALL` when the statement failed and the server skipped the
 * rest of the pipeline; destroyed when the call was interrupted (a cancel request may still be in flight)
 * or the reset failed. A connection is never reused in an unknown state.
 */
function release(client: pg.PoolClient, clean: boolean, interrupted: boolean, cleanup: () => void): void {
  if (clean || interrupted) {
    cleanup();
    client.release(interrupted ? new Error('connection discarded after an interrupted call') : undefined);
    return;
  }
  // One after the other: pg queues a query behind the failed pipeline's ReadyForQuery, but not two.
  void client
    .query('ROLLBACK')
    .then(() => client.query('DISCARD ALL'))
    .then(
      () => undefined,
      () => new Error('connection discarded after a failed reset'),
    )
    .then((failed) => {
      cleanup();
      client.release(failed);
    });
}

/** Our startup options after any the connection string carries (`?options=-c%20search_path%3Dapp`). */
function withStartupOptions(connectionString: string, ours: string): string {
  let theirs: string | null = null;
  try {
    theirs = new URL(connectionString).searchParams.get('options');
  } catch {
    // Not a URL (a libpq key/value string): pg reads it as it is, and our options go alone.
  }
  return theirs ? `${theirs} ${ours}` : ours;
}

/** The client's socket: `pg` keeps it on its connection, outside its typings. */
function socketOf(client: pg.PoolClient): Socket {
  return (client as unknown as { connection: { stream: Socket } }).connection.stream;
}

function mapError(
  error: unknown,
  stop: string | undefined,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  offset: number,
): Error {
  if (stop === 'cancelled' || signal?.aborted) return new QueryCancelledError(signal?.reason);
  const e = error as { code?: string; message?: string; position?: string };
  if (stop === 'timeout' || (e.code === '57014' && /statement timeout/.test(e.message ?? ''))) {
    return new DatabaseError(
      'QUERY_TIMEOUT',
      `The statement ran longer than ${timeoutMs} ms and was cancelled.`,
      { timeoutMs },
      error,
    );
  }
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    // A position inside our own text around the statement is no position in the caller's.
    const position = e.position ? Number(e.position) - offset : 0;
    return new QueryFailedError(e.code, e.message ?? '', position > 0 ? position : undefined, error);
  }
  return new DatabaseError(
    'DATABASE_UNAVAILABLE',
    `The database connection failed: ${e.message ?? String(error)}`,
    undefined,
    error,
  );
}
