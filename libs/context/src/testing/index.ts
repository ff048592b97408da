/**
 * @agent-mcp/context/testing: fixtures for tests: a throwaway PostgreSQL database, the README-table reader, and
 * contracts run against each implementation of a port.
 *
 * - {@link createThrowawayDatabase}: a database of its own on the test server for one test file, dropped after.
 * - {@link withPgClient}, {@link withDatabase}: a one-off connection, and a URL pointed at another database.
 * - {@link readmeTable}, {@link codeSpans}, {@link codeTable}: the rows of a README table, for specs holding it equal to the code.
 * - {@link requestStateLedgerContract}: the behaviour of a request-state ledger, run against each implementation.
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
export { codeSpans, codeTable, readmeTable } from './readme-table';
export {
  requestStateLedgerContract,
  type ClaimLedger,
  type ContractCase,
  type RequestStateLedgerContractOptions,
} from './request-state-ledger-contract';
