import type pg from 'pg';
import { createThrowawayDatabase, TEST_DATABASE_ADMIN_URL, withPgClient } from '@agent-mcp/context/testing';
import { createEmbeddedEngine, type EmbeddedEngine } from '../embedded/embedded-engine';
import { embeddedSetupSql } from '../sample';
import { readOnlyRoleSql } from '../sample/role-sql';
import { sampleDataSql } from '../sample/sample-data';

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

/** Creates `tdb_<random>` with the sample data, a canary table and role `ro_<random>`; drop it after. */
export async function createPostgresFixture(extraSql = ''): Promise<PostgresFixture> {
  const db = await createThrowawayDatabase({ prefix: 'tdb' });
  const role = `ro_${db.name.slice('tdb_'.length)}`;
  await db.admin(async (c) => {
    await c.query(sampleDataSql());
    await c.query(CANARY_SQL);
    if (extraSql) await c.query(extraSql);
    await c.query(readOnlyRoleSql({ role }));
  });
  const ro = new URL(db.url);
  ro.username = role;
  ro.password = '';
  return {
    database: db.name,
    role,
    readOnlyUrl: ro.toString(),
    adminUrl: db.url,
    admin: (fn) => db.admin(fn),
    drop: async () => {
      await db.drop();
      await withPgClient(TEST_DATABASE_ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
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
