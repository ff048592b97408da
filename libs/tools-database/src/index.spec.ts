import { VERSION } from './index';

describe('package entry', () => {
  it('exposes the package version', () => {
    expect(VERSION).toBe('0.1.0');
  });
});

// The public API (issue 14 item 6): what another team imports from `@agent-mcp/tools-database`. Adding or dropping an
// export is an API decision, made in this list too.
describe('public API', () => {
  it('exports exactly these values', async () => {
    expect(Object.keys(await import('./index')).sort()).toEqual([
      'DATABASE_ERROR_CODES',
      'DATABASE_SETTINGS',
      'DEFAULT_READONLY_ROLE',
      'DatabaseConfigSchema',
      'DatabaseError',
      'QueryCancelledError',
      'QueryFailedError',
      'SqlRefusedError',
      'VERSION',
      'createDatabaseTools',
      'createEmbeddedEngine',
      'createPostgresEngine',
      'createStatementGuard',
      'databaseToolsEnabled',
      'embeddedDataDir',
      'parseDatabaseConfig',
      'readOnlyRoleSql',
      'sampleDataSql',
      'trustedStatement',
    ]);
  });
});

// The types it exports: one dropped from src/index.ts fails typecheck here; one added there and not here fails
// tools/workspace-checks' public-api.spec.ts.
export type {
  CheckedStatement,
  ColumnInfo,
  DatabaseConfig,
  DatabaseErrorCode,
  DatabaseTools,
  DatabaseToolsOptions,
  EmbeddedEngine,
  EmbeddedEngineOptions,
  ExecuteOptions,
  GuardRule,
  JsonValue,
  PoolStats,
  PostgresEngineOptions,
  QueryEngine,
  QueryResult,
  ReadOnlyRoleOptions,
  RoleAudit,
  StatementGuard,
  StatementGuardOptions,
  StatementKind,
} from './index';
