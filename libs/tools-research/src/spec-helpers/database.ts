import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type SqlClient, type SqlQueryable } from '@agent-mcp/context';

/** The test server: trust authentication on loopback, superuser `postgres`. */
export const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one test file, as a {@link SqlClient}. */
export interface TestDatabase {
  readonly sql: SqlClient;
  readonly url: string;
  drop(): Promise<void>;
}

function queryable(client: pg.Pool | pg.PoolClient): SqlQueryable {
  return {
    async query(text, params = []) {
      const result = await client.query(text, [...params]);
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
    },
  };
}

// A plain pg-backed SqlClient for tests until the workspace's own lands; statements only, no policy.
function poolClient(url: string): SqlClient {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  return {
    kind: 'postgres',
    query: (text, params, options) => queryable(pool).query(text, params, options),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await work(queryable(client));
        await client.query('COMMIT');
        return out;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
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
  const sql = poolClient(u.toString());
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
