// The ledger of used requestState ids in the application database, on the real PostgreSQL test server (a
// throwaway database): each id is claimed once, also by several concurrent claimers from two instances, as two
// replicas would.
import { type SqlClient } from '@agent-mcp/context';
import {
  createThrowawayDatabase,
  requestStateLedgerContract,
  type ThrowawayDatabase,
} from '@agent-mcp/context/testing';
import { createPgSqlClient } from './pg-sql-client';
import { SqlRequestStateLedger } from './sql-request-state-ledger';

jest.setTimeout(30_000);

let db: ThrowawayDatabase;
let sql: SqlClient;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'tledger' });
  sql = createPgSqlClient({ connectionString: db.url });
});
afterAll(async () => {
  await sql?.close();
  await db?.drop();
});

// The contract every ledger keeps (the in-memory one of @agent-mcp/mcp-core runs it too): two instances on one
// database share it, as two replicas would.
it.each(requestStateLedgerContract(() => new SqlRequestStateLedger({ sql }), { shared: true }).map((c) => [c.name, c]))(
  '%s',
  (_name, contractCase) => contractCase.run(),
);
