import { type AgentRunPolicy, type AgentToolHosting } from '@agent-mcp/agent-tools';
import { type Logger, noopLogger, type SqlClient, SqlError } from '@agent-mcp/context';
import { createPgSqlClient } from '@agent-mcp/store';
import { type ResourceRegistry, type ToolRegistry } from '@agent-mcp/mcp-core';
import { type DatabaseConfig, embeddedDataDir, parseDatabaseConfig } from './config';
import { createEmbeddedEngine, type EmbeddedEngine, type EmbeddedEngineOptions } from './embedded/embedded-engine';
import { type QueryEngine, type RoleAudit } from './engine/types';
import { createStatementGuard } from './guard/statement-guard';
import { createPostgresEngine } from './postgres/postgres-engine';
import { createQueryRunner, type QueryRunner } from './query-runner';
import { registerSchemaResources } from './resources';
import { embeddedSetupSql } from './sample';
import { DEFAULT_READONLY_ROLE } from './sample/role-sql';
import { createDatabaseQueryTool } from './tools/database-query-tool';
import { createSqlQueryTool } from './tools/sql-query-tool';

/** Options of {@link createDatabaseTools}. */
export interface DatabaseToolsOptions extends AgentToolHosting {
  /** Settings; default: parsed from `env` with {@link parseDatabaseConfig}. */
  readonly config?: DatabaseConfig;
  /**
   * Where caller- and model-written statements run; default: PostgreSQL at `DATABASE_QUERY_URL` (else
   * `DATABASE_URL`) when `DATABASE_URL` is set, else the embedded database.
   */
  readonly engine?: QueryEngine;
  /**
   * The application's own connection; default: the embedded engine's trusted client, else a pool on
   * `DATABASE_URL`. Calls fail with `SQL_UNAVAILABLE` when neither exists (a custom server engine and no URL).
   */
  readonly sql?: SqlClient;
  /** Options for the embedded engine when it is the default (for example `snapshotCacheDir`). */
  readonly embedded?: Partial<EmbeddedEngineOptions>;
  /** Model name of `database_query`. */
  readonly model?: string;
  readonly logger?: Logger;
  /**
   * Caps and defaults of one `database_query` run (turns, tokens, seconds), the heartbeat and the client log
   * level. Default: read from `env` (`AGENT_*`); the deadline is at most `DATABASE_AGENT_TIMEOUT_MS`.
   */
  readonly policy?: AgentRunPolicy;
}

/** The database tools, ready to register on an MCP server. */
export interface DatabaseTools {
  readonly config: DatabaseConfig;
  readonly engine: QueryEngine;
  /** The safe path both tools use; for other tools that need read-only SQL. */
  readonly runner: QueryRunner;
  /**
   * The application's own state (support tickets, task and thread stores) on the same database as the
   * data the tools query: trusted, parameterised statements written by libraries, never caller or model SQL.
   * On a server it is `DATABASE_URL`'s role, which owns its tables; embedded, the owner role in the same
   * worker, serialised with caller statements.
   */
  readonly sql: SqlClient;
  /** `sql_query` and `database_query`. */
  readonly tools: readonly [ReturnType<typeof createSqlQueryTool>, ReturnType<typeof createDatabaseQueryTool>];
  /** Registers the tools and the schema resources. */
  register(server: { readonly tools: ToolRegistry; readonly resources: ResourceRegistry }): void;
  /**
   * On PostgreSQL, audits the connected role and logs a warning when it can write, create, use temporary
   * tables or read server files. The embedded engine runs as the role it created and starts on first use
   * (PGlite takes seconds to start), so a server that never queries it never pays for it. Safe to leave
   * unawaited: failures are logged, and calls wait for the engine themselves.
   */
  start(): Promise<RoleAudit | undefined>;
  /** Closes the pools or the embedded worker. */
  close(): Promise<void>;
}

/**
 * Creates `sql_query`, `database_query` and the schema resources over PostgreSQL (`DATABASE_URL`) or the
 * embedded sample database.
 *
 * @example
 * const database = createDatabaseTools({ env: process.env, logger });
 * database.register(server);
 * void database.start();
 * // at shutdown
 * await database.close();
 */
export function createDatabaseTools(options: DatabaseToolsOptions = {}): DatabaseTools {
  const env = options.env ?? process.env;
  const config = options.config ?? parseDatabaseConfig(env);
  const logger = options.logger ?? noopLogger;
  const engine =
    options.engine ??
    (config.DATABASE_URL
      ? createPostgresEngine({
          connectionString: config.DATABASE_QUERY_URL ?? config.DATABASE_URL,
          poolMax: config.DATABASE_POOL_MAX,
          statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
          defaultTenantId: config.DATABASE_DEFAULT_TENANT,
          onIdleError: (error) => logger.warn('idle database connection failed', { err: error }),
        })
      : createEmbeddedEngine({
          setupSql: () => embeddedSetupSql(),
          role: DEFAULT_READONLY_ROLE,
          dataDir: embeddedDataDir(config, env),
          logger,
          ...options.embedded,
        }));
  const ownSql = !options.sql && !isEmbedded(engine) && config.DATABASE_URL !== undefined;
  const sql =
    options.sql ??
    (isEmbedded(engine)
      ? engine.sql
      : config.DATABASE_URL
        ? createPgSqlClient({
            connectionString: config.DATABASE_URL,
            poolMax: config.DATABASE_POOL_MAX,
            defaultTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
            applicationName: 'agent-mcp',
            onIdleError: (error) => logger.warn('idle application database connection failed', { err: error }),
          })
        : unavailableSql());
  const guard = createStatementGuard();
  const runner = createQueryRunner({
    engine,
    guard,
    maxRows: config.DATABASE_MAX_ROWS,
    maxBytes: config.DATABASE_MAX_BYTES,
    timeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    defaultTenant: config.DATABASE_DEFAULT_TENANT,
  });
  const sqlQuery = createSqlQueryTool(runner, config.DATABASE_MAX_ROWS);
  const databaseQuery = createDatabaseQueryTool({
    runner,
    engine,
    schemas: config.DATABASE_SCHEMAS,
    timeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    agentTimeoutMs: config.DATABASE_AGENT_TIMEOUT_MS,
    defaultTenant: config.DATABASE_DEFAULT_TENANT,
    modelProvider: options.modelProvider,
    model: options.model,
    env,
    ...(options.runObserver ? { runObserver: options.runObserver } : {}),
    ...(options.runs ? { runs: options.runs } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
  });

  return {
    config,
    engine,
    runner,
    sql,
    tools: [sqlQuery, databaseQuery],
    register(server) {
      server.tools.register(sqlQuery);
      server.tools.register(databaseQuery);
      registerSchemaResources(server.resources, {
        engine,
        schemas: config.DATABASE_SCHEMAS,
        timeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      });
    },
    async start() {
      if (engine.kind === 'embedded' && !options.engine) {
        logger.info('database: embedded sample database, started on first use', {
          dataDir: embeddedDataDir(config, env) ?? 'memory',
        });
        return undefined;
      }
      try {
        const audit = await engine.auditRole();
        if (audit.problems.length > 0) {
          logger.warn(
            'database role of caller SQL is not read-only: set DATABASE_QUERY_URL to the role `npm run db:setup-role` creates',
            {
              role: audit.role,
              problems: audit.problems,
            },
          );
        } else {
          logger.info('database ready', { engine: engine.kind, role: audit.role });
        }
        return audit;
      } catch (error) {
        logger.error('database unavailable at start', { engine: engine.kind, err: error });
        return undefined;
      }
    },
    async close() {
      await Promise.all([engine.close(), ownSql ? sql.close() : undefined]);
    },
  };
}

function isEmbedded(engine: QueryEngine): engine is EmbeddedEngine {
  return engine.kind === 'embedded' && 'sql' in engine;
}

/** The application connection of a setup that has none: every call says what is missing. */
function unavailableSql(): SqlClient {
  const fail = () =>
    Promise.reject(new SqlError('SQL_UNAVAILABLE', 'No application database: set DATABASE_URL or pass `sql`.'));
  return { kind: 'postgres', query: fail, transaction: fail, close: async () => undefined };
}
