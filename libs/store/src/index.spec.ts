import { VERSION } from './index';

describe('package entry', () => {
  it('exposes the package version', () => {
    expect(VERSION).toBe('0.1.0');
  });
});

// The public API (issue 14 item 6): what another team imports from `@agent-mcp/store`. Adding or dropping an
// export is an API decision, made in this list too.
describe('public API', () => {
  it('exports exactly these values', async () => {
    expect(Object.keys(await import('./index')).sort()).toEqual([
      'APPLICATION_DATABASE_SETTINGS',
      'ApplicationDatabaseConfigSchema',
      'LEGACY_STATE_TABLES',
      'STORE_ERROR_CODES',
      'SUPPORT_TABLES_DDL',
      'SqlConfirmationStore',
      'SqlMemoryStore',
      'SqlRequestStateLedger',
      'SqlTaskStore',
      'SqlThreadStore',
      'StoreError',
      'TooManyPendingError',
      'VERSION',
      'applicationDataDir',
      'cancelPgStatement',
      'createEmbeddedPostgres',
      'createPgSqlClient',
      'migrateLegacyState',
      'openApplicationDatabase',
      'parseApplicationDatabaseConfig',
      'sendPgCancelRequest',
      'supportTableDdl',
    ]);
  });
});

// The types it exports: one dropped from src/index.ts fails typecheck here; one added there and not here fails
// tools/workspace-checks' public-api.spec.ts.
export type {
  AcquireOptions,
  ApplicationDatabase,
  ApplicationDatabaseConfig,
  ApplicationDatabaseOptions,
  ConfirmationClaim,
  ConfirmationStore,
  EmbeddedPostgres,
  EmbeddedPostgresOptions,
  PendingConfirmation,
  PgSqlClientOptions,
  QueueErrors,
  SqlConfirmationStoreOptions,
  SqlMemoryStoreOptions,
  SqlRequestStateLedgerOptions,
  SqlTaskStoreOptions,
  SqlThreadStoreOptions,
  StateMigrationOptions,
  StateMigrationResult,
  StateTable,
  StatementQueue,
  StoreErrorCode,
  WorkerReply,
} from './index';
