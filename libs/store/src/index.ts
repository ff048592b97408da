/**
 * `@agent-mcp/store`: where the server keeps its data. The SQL client over PostgreSQL (`pg`, with wire-level
 * cancel), the SQL stores, the embedded PostgreSQL host (PGlite in a worker thread on a directory), and
 * {@link openApplicationDatabase}, which opens the server's own database (tasks, threads, confirmations)
 * whatever tools are on. The ports these implement (`SqlClient`, `ThreadStore`, `TaskStore`) are `@agent-mcp/context`'s.
 *
 * @packageDocumentation
 */
export { type StoreErrorCode, STORE_ERROR_CODES, StoreError } from './errors';
export {
  type ApplicationDatabase,
  type ApplicationDatabaseConfig,
  type ApplicationDatabaseOptions,
  APPLICATION_DATABASE_SETTINGS,
  ApplicationDatabaseConfigSchema,
  applicationDataDir,
  openApplicationDatabase,
  parseApplicationDatabaseConfig,
} from './application-database';
export { type PgSqlClientOptions, cancelPgStatement, createPgSqlClient, sendPgCancelRequest } from './pg-sql-client';
export { SqlThreadStore, type SqlThreadStoreOptions } from './sql-thread-store';
export { SqlTaskStore, type SqlTaskStoreOptions } from './sql-task-store';
export { SqlRequestStateLedger, type SqlRequestStateLedgerOptions } from './sql-request-state-ledger';
export { SqlMemoryStore, type SqlMemoryStoreOptions } from './sql-memory-store';
export {
  SqlConfirmationStore,
  type SqlConfirmationStoreOptions,
  type PendingConfirmation,
  type ConfirmationClaim,
  type ConfirmationStore,
  TooManyPendingError,
} from './sql-confirmation-store';
export { SUPPORT_TABLES_DDL, supportTableDdl } from './support-tables';
export {
  LEGACY_STATE_TABLES,
  migrateLegacyState,
  type StateMigrationOptions,
  type StateMigrationResult,
  type StateTable,
} from './state-migration';
export {
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  createEmbeddedPostgres,
} from './embedded/embedded-postgres';
export { type StatementQueue, type AcquireOptions, type QueueErrors } from './embedded/statement-queue';
export { type WorkerReply } from './embedded/worker-host';

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';
