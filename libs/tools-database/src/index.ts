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
export { readOnlyRoleSql, DEFAULT_READONLY_ROLE, type ReadOnlyRoleOptions } from './sample/role-sql';
export { sampleDataSql } from './sample/sample-data';
export {
  DatabaseError,
  QueryFailedError,
  QueryCancelledError,
  SqlRefusedError,
  DATABASE_ERROR_CODES,
  type DatabaseErrorCode,
  type GuardRule,
} from './errors';

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';
