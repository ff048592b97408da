/**
 * `@agent-mcp/tools-database`: safe read-only SQL and a natural-language database agent as MCP tools.
 *
 * - {@link createDatabaseTools}: `sql_query`, `database_query` and the schema resources (`db://tables`,
 *   `db://tables/{name}`), over PostgreSQL (`DATABASE_URL`) or an embedded PGlite sample database.
 * - Safety in layers, each usable on its own: {@link createStatementGuard} (the real PostgreSQL parser, an
 *   allowlist, a function deny list), engines that run one statement per extended-protocol message inside
 *   `BEGIN READ ONLY` with LOCAL timeouts, always rolled back and reset ({@link createPostgresEngine},
 *   {@link createEmbeddedEngine}), row and byte caps, cancellation, and {@link readOnlyRoleSql} for the
 *   least-privileged role.
 *
 * @packageDocumentation
 */
export { createDatabaseTools, type DatabaseTools, type DatabaseToolsOptions } from './create-database-tools';
export {
  parseDatabaseConfig,
  databaseToolsEnabled,
  embeddedDataDir,
  DatabaseConfigSchema,
  DATABASE_SETTINGS,
  type DatabaseConfig,
} from './config';
export {
  createStatementGuard,
  trustedStatement,
  type StatementGuard,
  type StatementGuardOptions,
  type CheckedStatement,
  type StatementKind,
} from './guard/statement-guard';
export { DENIED_FUNCTIONS } from './guard/denied-functions';
export { createPostgresEngine, type PostgresEngineOptions } from './postgres/postgres-engine';
export { createEmbeddedEngine, type EmbeddedEngine, type EmbeddedEngineOptions } from './embedded/embedded-engine';
export {
  type QueryEngine,
  type PoolStats,
  type QueryResult,
  type ExecuteOptions,
  type ColumnInfo,
  type JsonValue,
  type RoleAudit,
} from './engine/types';
export { TENANT_SETTING } from './engine/session-sql';
export { createQueryRunner, type QueryRunner, type QueryRunnerOptions, type RunSqlOptions } from './query-runner';
export { listTables, describeTable, type TableSummary, type TableDescription, type ColumnDescription } from './schema';
export { registerSchemaResources, TABLES_URI, TABLE_URI_TEMPLATE, type SchemaResourcesOptions } from './resources';
export { SqlQueryOutputSchema } from './tools/sql-query-tool';
export { DatabaseQueryOutputSchema } from './tools/database-query-tool';
export { renderTable } from './render';
export { readOnlyRoleSql, DEFAULT_READONLY_ROLE, type ReadOnlyRoleOptions } from './sample/role-sql';
export { sampleDataSql, SAMPLE_TABLES, SAMPLE_TENANTS } from './sample/sample-data';
export { embeddedSetupSql } from './sample';
export { DatabaseError, QueryFailedError, SqlRefusedError, type DatabaseErrorCode, type GuardRule } from './errors';

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';
