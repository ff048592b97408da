import { type ModelProvider } from '@agent-mcp/agent-core';
import { type Logger, noopLogger } from '@agent-mcp/context';
import { type ResourceRegistry, type ToolRegistry } from '@agent-mcp/mcp-core';
import { type DatabaseConfig, parseDatabaseConfig } from './config';
import { createEmbeddedEngine, type EmbeddedEngineOptions } from './embedded/embedded-engine';
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
export interface DatabaseToolsOptions {
  /** Settings; default: parsed from `env` with {@link parseDatabaseConfig}. */
  readonly config?: DatabaseConfig;
  /** Environment for the settings and the model provider. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where to run statements; default: PostgreSQL when `DATABASE_URL` is set, else the embedded sample database. */
  readonly engine?: QueryEngine;
  /** Options for the embedded engine when it is the default (for example `snapshotCacheDir`). */
  readonly embedded?: Partial<EmbeddedEngineOptions>;
  /** Model provider of `database_query`; default: OpenAI configured from `env`. */
  readonly modelProvider?: ModelProvider;
  /** Model name of `database_query`. */
  readonly model?: string;
  readonly logger?: Logger;
}

/** The database tools, ready to register on an MCP server. */
export interface DatabaseTools {
  readonly config: DatabaseConfig;
  readonly engine: QueryEngine;
  /** The safe path both tools use; for other tools that need read-only SQL. */
  readonly runner: QueryRunner;
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
  /** Closes the pool or the embedded worker. */
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
          connectionString: config.DATABASE_URL,
          poolMax: config.DATABASE_POOL_MAX,
          statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
          onIdleError: (error) => logger.warn('idle database connection failed', { err: error }),
        })
      : createEmbeddedEngine({
          setupSql: () => embeddedSetupSql(),
          role: DEFAULT_READONLY_ROLE,
          dataDir: config.DATABASE_EMBEDDED_DIR,
          logger,
          ...options.embedded,
        }));
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
  });

  return {
    config,
    engine,
    runner,
    tools: [sqlQuery, databaseQuery],
    register(server) {
      server.tools.register(sqlQuery);
      server.tools.register(databaseQuery);
      registerSchemaResources(server.resources, { engine, schemas: config.DATABASE_SCHEMAS, timeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS });
    },
    async start() {
      if (engine.kind === 'embedded' && !options.engine) {
        logger.info('database: embedded sample database, started on first use', { dataDir: config.DATABASE_EMBEDDED_DIR ?? 'memory' });
        return undefined;
      }
      try {
        const audit = await engine.auditRole();
        if (audit.problems.length > 0) {
          logger.warn('database role is not read-only: connect as the role `npm run db:setup-role` creates', { role: audit.role, problems: audit.problems });
        } else {
          logger.info('database ready', { engine: engine.kind, role: audit.role });
        }
        return audit;
      } catch (error) {
        logger.error('database unavailable at start', { engine: engine.kind, err: error });
        return undefined;
      }
    },
    close: () => engine.close(),
  };
}
