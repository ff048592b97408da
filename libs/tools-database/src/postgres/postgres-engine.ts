import type { Socket } from 'node:net';
import type pg from 'pg';
import { CancelledError } from '@agent-mcp/mcp-core';
import { DatabaseError } from '../errors';
import { type CheckedStatement, CURSOR_NAME, trustedStatement } from '../guard/statement-guard';
import { auditProblems, ROLE_AUDIT_SQL } from '../engine/role-audit';
import { fetchSql, sessionDefaults, transactionPreamble } from '../engine/session-sql';
import { type ExecuteOptions, type QueryEngine, type QueryResult, type RawResult, type RoleAudit } from '../engine/types';
import { paramText, rowBytes, toQueryResult } from '../engine/values';
import { loadDependency } from '../load-dependency';
import { sendPgCancelRequest as sendCancelRequest } from '@agent-mcp/context';

/** Options of {@link createPostgresEngine}. */
export interface PostgresEngineOptions {
  /** `postgres://user@host:port/db`; connect as the read-only role (`npm run db:setup-role`). */
  readonly connectionString: string;
  /**
   * The usual statement deadline, set as each connection's default at its start so calls with this deadline
   * send no SET of their own (calls with another deadline still get theirs). Default 30 000 ms.
   */
  readonly statementTimeoutMs?: number;
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
interface PgResult {
  readonly fields: Array<{ name: string; dataTypeID: number }>;
  readonly rows: Row[];
}

// Every value stays PostgreSQL text; values.ts decides what becomes a JSON number, boolean or object.
const RAW_TYPES = { getTypeParser: () => (value: string) => value };
const BATCH = 1000;
// The socket may carry this much more than the byte cap before the connection is cut (one huge value).
const WIRE_SLACK = 1024 * 1024;

/**
 * Real PostgreSQL through a `pg` pool in pipeline mode: per call the preamble (`BEGIN READ ONLY` and LOCAL
 * timeouts), the statement (extended protocol, cursor-wrapped for SELECT), the FETCH, `ROLLBACK` and
 * `DISCARD ALL` leave in one write, and the connection returns to the pool once the reset has answered.
 */
export function createPostgresEngine(options: PostgresEngineOptions): QueryEngine {
  const cancelGraceMs = options.cancelGraceMs ?? 1000;
  const sessionTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const { Pool } = loadDependency<typeof pg>('pg');
  const pool = new Pool({
    connectionString: options.connectionString,
    options: withStartupOptions(options.connectionString, sessionDefaults(sessionTimeoutMs)),
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    application_name: 'agent-mcp-tools-database',
    types: RAW_TYPES,
    pipeline: true,
  } as pg.PoolConfig);
  pool.on('error', (error) => options.onIdleError?.(error));
  // A connection we cut on purpose (byte cap, cancellation) reports its end as an error event; without a
  // listener that would be an uncaught exception. Calls learn of failures from their queries.
  pool.on('connect', (client) => client.on('error', () => undefined));

  async function run(statement: CheckedStatement, opts: ExecuteOptions): Promise<RawResult> {
    const { signal } = opts;
    if (signal?.aborted) throw new CancelledError(String(signal.reason ?? 'Request cancelled'));
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw new DatabaseError('DATABASE_UNAVAILABLE', `Could not connect to PostgreSQL: ${(error as Error).message}`, undefined, error);
    }

    let broken = false; // destroy instead of returning to the pool
    let stop: 'cancelled' | 'timeout' | 'bytes' | undefined;
    const stream = socketOf(client);
    let wireBytes = 0;
    const wireLimit = opts.maxBytes * 4 + WIRE_SLACK;
    const onData = (chunk: Buffer) => {
      wireBytes += chunk.length;
      if (wireBytes > wireLimit && !stop) {
        stop = 'bytes';
        broken = true;
        stream.destroy();
      }
    };
    stream.on('data', onData);

    let graceTimer: NodeJS.Timeout | undefined;
    const interrupt = (why: 'cancelled' | 'timeout') => {
      if (stop) return;
      stop = why;
      broken = true;
      void sendCancelRequest(client, cancelGraceMs);
      graceTimer = setTimeout(() => stream.destroy(), cancelGraceMs);
    };
    const onAbort = () => interrupt('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    // The server's statement_timeout normally fires first; this covers a server or network that hangs.
    const deadline = setTimeout(() => interrupt('timeout'), opts.timeoutMs + 1000);

    const send = (config: string | pg.QueryConfig): Promise<PgResult> => {
      const p = client.query(config as pg.QueryConfig) as unknown as Promise<PgResult>;
      p.catch(() => undefined);
      return p;
    };
    const values = paramText(opts.params);
    const cursor = statement.kind === 'select';
    const collected: Row[] = [];
    let bytes = 0;
    let truncatedBy: 'rows' | 'bytes' | undefined;
    let fields: PgResult['fields'] = [];
    const take = (rows: Row[]): boolean => {
      for (const row of rows) {
        if (collected.length >= opts.maxRows) return (truncatedBy = 'rows'), false;
        const size = rowBytes(row);
        if (bytes + size > opts.maxBytes) return (truncatedBy = 'bytes'), false;
        bytes += size;
        collected.push(row);
      }
      return true;
    };

    // One FETCH holds the whole answer (the row cap plus the one row that tells it was cut) unless the cap
    // exceeds a batch; then the cursor must outlive the first round trip and the reset waits for the last.
    const batch = Math.min(opts.maxRows + 1, BATCH);
    const oneFetch = !cursor || opts.maxRows + 1 <= BATCH;
    let reset: Promise<PromiseSettledResult<unknown>[]> | undefined;
    try {
      // Corked, everything the call needs leaves in one write (the preamble, the statement's five
      // extended-protocol messages, the FETCH and, when one FETCH is enough, ROLLBACK and DISCARD ALL):
      // uncorked, pg makes one system call per message, which costs more than the server's work.
      stream.cork();
      const begin = send(transactionPreamble({ timeoutMs: opts.timeoutMs, tenantId: opts.tenantId, sessionTimeoutMs }));
      const main = send({ text: statement.text, values, queryMode: 'extended', rowMode: 'array' } as pg.QueryConfig);
      const first = cursor ? send({ text: fetchSql(CURSOR_NAME, batch), rowMode: 'array' } as pg.QueryConfig) : main;
      if (oneFetch) reset = resetSession(send);
      stream.uncork();
      await begin;
      await main;
      let page = await first;
      fields = page.fields;
      while (take(page.rows) && cursor && page.rows.length === batch && !stop) {
        page = await send({ text: fetchSql(CURSOR_NAME, batch), rowMode: 'array' } as pg.QueryConfig);
      }
    } catch (error) {
      if (stop === 'bytes') return { fields, rows: collected, truncated: true, truncatedBy: 'bytes' };
      throw mapError(error, stop, signal, opts.timeoutMs);
    } finally {
      while (stream.writableCorked > 0) stream.uncork();
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      release(client, reset ?? resetSession(send), () => {
        clearTimeout(graceTimer);
        stream.removeListener('data', onData);
        return broken;
      });
    }
    if (stop === 'cancelled') throw new CancelledError(String(signal?.reason ?? 'Request cancelled'));
    return { fields, rows: collected, truncated: truncatedBy !== undefined, ...(truncatedBy ? { truncatedBy } : {}) };
  }

  return {
    kind: 'postgres',
    async execute(statement, opts): Promise<QueryResult> {
      return toQueryResult(await run(statement, opts));
    },
    async auditRole(): Promise<RoleAudit> {
      const result = await this.execute(trustedStatement(ROLE_AUDIT_SQL), { maxRows: 1, maxBytes: 65_536, timeoutMs: 10_000 });
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

/** Ends the call's transaction and resets everything a session may carry (see `DISCARD ALL`). */
function resetSession(send: (sql: string) => Promise<unknown>): Promise<PromiseSettledResult<unknown>[]> {
  return Promise.allSettled([send('ROLLBACK'), send('DISCARD ALL')]);
}

/**
 * Returns the connection to the pool once its reset has finished, or destroys it when the call was
 * interrupted or the reset failed: a connection is never reused in an unknown state.
 */
function release(client: pg.PoolClient, reset: Promise<PromiseSettledResult<unknown>[]>, settle: () => boolean): void {
  void reset.then((outcomes) => {
    const broken = settle() || outcomes.some((outcome) => outcome.status === 'rejected');
    client.release(broken ? new Error('connection discarded after an interrupted or failed reset') : undefined);
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

function mapError(error: unknown, stop: string | undefined, signal: AbortSignal | undefined, timeoutMs: number): Error {
  if (stop === 'cancelled' || signal?.aborted) return new CancelledError(String(signal?.reason ?? 'Request cancelled'));
  const e = error as { code?: string; message?: string; position?: string };
  if (stop === 'timeout' || (e.code === '57014' && /statement timeout/.test(e.message ?? ''))) {
    return new DatabaseError('QUERY_TIMEOUT', `The statement ran longer than ${timeoutMs} ms and was cancelled.`, { timeoutMs }, error);
  }
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    const position = e.position ? Number(e.position) : undefined;
    return new DatabaseError('QUERY_FAILED', `PostgreSQL refused the statement: ${e.message} (SQLSTATE ${e.code})`, {
      sqlstate: e.code,
      ...(position ? { position } : {}),
    }, error);
  }
  return new DatabaseError('DATABASE_UNAVAILABLE', `The database connection failed: ${e.message ?? String(error)}`, undefined, error);
}
