// The ledger of used requestState ids in the application database, on the real PostgreSQL test server (a
// throwaway database): each id is claimed once, also by several concurrent claimers from two instances, as two
// replicas would.
import { randomUUID } from 'node:crypto';
import { type SqlClient } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
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

const make = () => new SqlRequestStateLedger({ sql });

it('grants the first claim of an id and refuses the next', async () => {
  const ledger = make();
  const id = randomUUID();
  await expect(ledger.claim(id, Date.now() + 60_000)).resolves.toBe(true);
  await expect(ledger.claim(id, Date.now() + 60_000)).resolves.toBe(false);
  await expect(ledger.claim(randomUUID(), Date.now() + 60_000)).resolves.toBe(true);
});

it('grants exactly one of many concurrent claims, from two instances sharing the database', async () => {
  const [a, b] = [make(), make()];
  const id = randomUUID();
  const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).claim(id, Date.now() + 60_000)));
  expect(claims.filter(Boolean)).toHaveLength(1);
});
