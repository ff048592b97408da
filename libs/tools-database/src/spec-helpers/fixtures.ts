import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createEmbeddedEngine, type EmbeddedEngine } from '../embedded/embedded-engine';
import { embeddedSetupSql } from '../sample';
import { readOnlyRoleSql } from '../sample/role-sql';
import { sampleDataSql } from '../sample/sample-data';

/** The test server: trust authentication on loopback, superuser `postgres`. */
export const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one test file, with the sample data and a read-only role of its own. */
export interface PostgresFixture {
  readonly database: string;
  readonly role: string;
  /** Connects as the read-only role. */
  readonly readOnlyUrl: string;
  /** Connects as the superuser, for arranging and checking. */
  readonly adminUrl: string;
  admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `tdb_<random>` with the sample data, a canary table and role `ro_<random>`; drop it after. */
export async function createPostgresFixture(extraSql = ''): Promise<PostgresFixture> {
  const suffix = randomBytes(5).toString('hex');
  const database = `tdb_${suffix}`;
  const role = `ro_${suffix}`;
  await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${database}`));
  const adminUrl = withDatabase(ADMIN_URL, database);
  await withClient(adminUrl, async (c) => {
    await c.query(sampleDataSql());
    await c.query(CANARY_SQL);
    if (extraSql) await c.query(extraSql);
    await c.query(readOnlyRoleSql({ role }));
  });
  const ro = new URL(adminUrl);
  ro.username = role;
  ro.password = '';
  return {
    database,
    role,
    readOnlyUrl: ro.toString(),
    adminUrl,
    admin: (fn) => withClient(adminUrl, fn),
    drop: async () => {
      await withClient(ADMIN_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${role}`);
      });
    },
  };
}

/** A table that must be intact after every attack: same rows, same checksum. */
export const CANARY_SQL = `
CREATE TABLE canary (id integer PRIMARY KEY, tenant_id text NOT NULL DEFAULT 'acme', secret text NOT NULL);
INSERT INTO canary (id, secret) SELECT g, md5(g::text) FROM generate_series(1, 100) g;
`;
export const CANARY_CHECK_SQL = `SELECT count(*)::int AS n, md5(string_agg(id || ':' || secret, ',' ORDER BY id)) AS digest FROM canary`;

/** An embedded engine over the sample data plus the canary, in memory. */
export function createTestEmbeddedEngine(
  overrides: Partial<Parameters<typeof createEmbeddedEngine>[0]> = {},
): EmbeddedEngine {
  return createEmbeddedEngine({
    setupSql: `${embeddedSetupSql()}\n${CANARY_SQL}\nGRANT SELECT ON canary TO mcp_readonly;`,
    role: 'mcp_readonly',
    ...overrides,
  });
}
