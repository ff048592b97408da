// privateSchemaCreator against the real PostgreSQL test server, in a database of this file's own.
import { createPgSqlClient } from './pg-sql-client';
import { checkSchemaName, privateSchemaCreator, type SqlClient } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';

let db: ThrowawayDatabase;
const clients: SqlClient[] = [];

/** A client of its own, as a replica would have: separate pool, separate connections. */
function replica(): SqlClient {
  const sql = createPgSqlClient({ connectionString: db.url, applicationName: `private-schema-spec-${db.name}` });
  clients.push(sql);
  return sql;
}

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'tps' });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await db?.drop();
});

it('lets different stores on different replicas create one schema at the same moment', async () => {
  // CREATE SCHEMA IF NOT EXISTS is not safe when two transactions run it together: without one lock for the
  // schema, one of these fails with a unique violation on pg_namespace now and then. Several rounds make a
  // race that exists show up.
  for (let round = 0; round < 8; round++) {
    const schema = `race_${round}`;
    const creators = ['tasks', 'threads', 'confirmations', 'tasks-again'].map((store) =>
      privateSchemaCreator(replica(), schema, `spec ${store} ${round}`, async (tx) => {
        await tx.query(`CREATE TABLE IF NOT EXISTS ${schema}.${store.replace('-again', '')} (id int PRIMARY KEY)`);
      }),
    );
    await expect(Promise.all(creators.map((create) => create()))).resolves.toHaveLength(4);
  }
  const tables = await clients[0]!.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema LIKE 'race_%'",
  );
  expect(tables.rows[0]?.n).toBe(8 * 3);
});

it('creates once: later calls share the first outcome', async () => {
  const sql = replica();
  let runs = 0;
  const ensure = privateSchemaCreator(sql, 'once_only', 'spec once', async () => {
    runs++;
  });
  await Promise.all([ensure(), ensure(), ensure()]);
  await ensure();
  expect(runs).toBe(1);
});

it('tries again after a failure instead of keeping it', async () => {
  const sql = replica();
  let attempt = 0;
  const ensure = privateSchemaCreator(sql, 'retried', 'spec retried', async (tx) => {
    attempt++;
    if (attempt === 1) throw new Error('first attempt fails');
    await tx.query('CREATE TABLE IF NOT EXISTS retried.t (id int)');
  });
  await expect(ensure()).rejects.toThrow('first attempt fails');
  await expect(ensure()).resolves.toBeUndefined();
  const found = await sql.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'retried'",
  );
  expect(found.rows[0]?.n).toBe(1);
});

it('keeps the schema out of reach of other roles', async () => {
  const sql = replica();
  await privateSchemaCreator(sql, 'guarded', 'spec guarded', async () => undefined)();
  const acl = await sql.query<{ public_usage: boolean }>(
    "SELECT has_schema_privilege('public', 'guarded', 'USAGE') AS public_usage",
  );
  expect(acl.rows[0]?.public_usage).toBe(false);
});

it('refuses a schema name that is not a plain identifier', () => {
  expect(() => checkSchemaName('x; DROP TABLE y')).toThrow('Invalid schema name');
  expect(checkSchemaName('agent_mcp_state')).toBe('agent_mcp_state');
});
