/**
 * @agent-mcp/context/testing: fixtures for tests that need real PostgreSQL.
 *
 * - {@link createThrowawayDatabase}: a database of its own on the test server for one test file, dropped after.
 * - {@link withPgClient}, {@link withDatabase}: a one-off connection, and a URL pointed at another database.
 *
 * The server is {@link TEST_DATABASE_ADMIN_URL} (`TEST_DATABASE_ADMIN_URL`, else `postgres@127.0.0.1:5432` with
 * trust authentication).
 *
 * @packageDocumentation
 */
export {
  createThrowawayDatabase,
  TEST_DATABASE_ADMIN_URL,
  withDatabase,
  withPgClient,
  type ThrowawayDatabase,
  type ThrowawayDatabaseOptions,
} from './throwaway-database';
