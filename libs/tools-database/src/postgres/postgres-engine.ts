import type pg from 'pg';
import { CancelledError } from '@agent-mcp/mcp-core';
import { DatabaseError } from '../errors';
import { type CheckedStatement, CURSOR_NAME, trustedStatement } from '../guard/statement-guard';
import { auditProblems, ROLE_AUDIT_SQL } from '../engine/role-audit';
import { fetchSql, transactionPreamble } from '../engine/session-sql';
import { type ExecuteOptions, type QueryEngine, type QueryResult, type RawResult, type RoleAudit } from '../engine/types';
import { paramText, rowBytes, toQueryResult } from '../engine/values';
import { loadDependency } from '../load-dependency';
import { sendCancelRequest } from './cancel';

/** Options of {@link createPostgresEngine}. */
export interface PostgresEngineOptions {
  /** `postgres://user@host:port/db`; connect as the read-only role (`npm run db:setup-role`). */
  readonly connectionString: string;
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
 * timeouts), the statement (extended protocol, cursor-wrapped for SELECT) and the first FETCH leave in one
 * write; `ROLLBACK` and `DISCARD ALL` follow before the connection returns to the pool.
 */
export function createPostgresEngine(options: PostgresEngineOptions): QueryEngine {
  const cancelGraceMs = options.cancelGraceMs ?? 1000;
  const { Pool } = loadDependency<typeof pg>('pg');
  const pool = new Pool({
    connectionString: options.connectionString,
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
    const stream = (client as unknown as { connection: { stream: NodeJS.ReadableStream & { destroy(): void } } }).connection.stream;
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

    try {
      const begin = send(transactionPreamble({ timeoutMs: opts.timeoutMs, tenantId: opts.tenantId }));
      const batch = Math.min(opts.maxRows + 1, BATCH);
      if (cursor) {
        const declare = send({ text: statement.text, values, queryMode: 'extended', rowMode: 'array' } as pg.QueryConfig);
        const first = send({ text: fetchSql(CURSOR_NAME, batch), rowMode: 'array' } as pg.QueryConfig);
        await begin;
        await declare;
        let page = await first;
        fields = page.fields;
        while (take(page.rows) && page.rows.length === batch && !stop) {
          page = await send({ text: fetchSql(CURSOR_NAME, batch), rowMode: 'array' } as pg.QueryConfig);
        }
      } else {
        const direct = send({ text: statement.text, values, queryMode: 'extended', rowMode: 'array' } as pg.QueryConfig);
        await begin;
        const result = await direct;
        fields = result.fields;
        take(result.rows);
      }
    } catch (error) {
      if (stop === 'bytes') return { fields, rows: collected, truncated: true, truncatedBy: 'bytes' };
      throw mapError(error, stop, signal, opts.timeoutMs);
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      finish(client, send, () => {
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
  };
}

/**
 * Rolls back and resets the session, then returns the connection to the pool, or destroys it when the call
 * was interrupted or the reset failed: a connection is never reused in an unknown state.
 */
function finish(client: pg.PoolClient, send: (sql: string) => Promise<unknown>, settle: () => boolean): void {
  const rollback = send('ROLLBACK');
  const discard = send('DISCARD ALL');
  void Promise.allSettled([rollback, discard]).then(([r, d]) => {
    const broken = settle() || r.status === 'rejected' || d.status === 'rejected';
    client.release(broken ? new Error('connection discarded after an interrupted or failed reset') : undefined);
  });
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
