import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPgSqlClient, type SqlClient } from '@agent-mcp/context';

/** The test server: trust authentication on loopback, superuser `postgres`. */
export const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one test file, as a {@link SqlClient}. */
export interface TestDatabase {
  readonly sql: SqlClient;
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates `tresearch_<random>` and a SqlClient on it; drop it after. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tresearch_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  const sql = createPgSqlClient({ connectionString: u.toString(), poolMax: 4 });
  return {
    sql,
    url: u.toString(),
    drop: async () => {
      await sql.close();
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
