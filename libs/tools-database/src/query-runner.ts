import { type StatementGuard } from './guard/statement-guard';
import { type QueryEngine, type QueryResult } from './engine/types';
import { traceStatement } from './tracing';

/** Options of {@link createQueryRunner}. */
export interface QueryRunnerOptions {
  readonly engine: QueryEngine;
  readonly guard: StatementGuard;
  /** Most rows a call may ask for, and the default. */
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /** Tenant of callers whose principal carries none. */
  readonly defaultTenant: string;
}

/** One call's inputs. */
export interface RunSqlOptions {
  readonly params?: readonly unknown[];
  readonly maxRows?: number;
  readonly signal?: AbortSignal;
  readonly tenantId?: string;
  /** Who asks (a principal key), so a one-statement-at-a-time engine takes callers in turn. Default: the tenant. */
  readonly principal?: string;
}

/** The one safe path for caller- and model-written SQL alike: the guard, then the engine with its limits. */
export interface QueryRunner {
  run(sql: string, options?: RunSqlOptions): Promise<QueryResult>;
}

/** Creates the {@link QueryRunner} both tools share. */
export function createQueryRunner(options: QueryRunnerOptions): QueryRunner {
  return {
    async run(sql, call = {}) {
      const statement = await options.guard.check(sql);
      return traceStatement(
        options.engine.kind === 'postgres' ? 'postgresql' : 'pglite',
        statement.kind.toUpperCase(),
        statement.sql,
        () =>
          options.engine.execute(statement, {
            params: call.params,
            maxRows: Math.min(call.maxRows ?? options.maxRows, options.maxRows),
            maxBytes: options.maxBytes,
            timeoutMs: options.timeoutMs,
            signal: call.signal,
            tenantId: call.tenantId ?? options.defaultTenant,
            principal: call.principal,
          }),
      );
    },
  };
}
