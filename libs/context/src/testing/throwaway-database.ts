import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server tests create their databases on: `TEST_DATABASE_ADMIN_URL`, else the loopback server with
 * trust authentication as superuser `postgres`.
 */
export const TEST_DATABASE_ADMIN_URL =
  process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Options of {@link createThrowawayDatabase}. */
export interface ThrowawayDatabaseOptions {
  /** Start of the database's name, before a random suffix: letters, digits and `_`. Default `t`. */
  readonly prefix?: string;
  /** Server to create it on, as a superuser. Default {@link TEST_DATABASE_ADMIN_URL}. */
  readonly adminUrl?: string;
}

/** A database of its own for one test file, created empty and dropped with everything connected to it. */
export interface ThrowawayDatabase {
  /** Its name, `<prefix>_<10 hex digits>`. */
  readonly name: string;
  /** Connects to it as the superuser. */
  readonly url: string;
  /** Runs `fn` on a fresh connection to it as the superuser, closed after. */
  admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T>;
  /** Drops it, ending its open connections (`WITH (FORCE)`); harmless when it is gone already. */
  drop(): Promise<void>;
}

/** `url` pointing at database `name` instead, same server and user. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs `fn` on a fresh connection to `url`, closed after whatever happens. */
export async function withPgClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a throwaway database on the test server, for a test file that needs real PostgreSQL of its own (tests
 * of other projects run beside it on the same server). Drop it in `afterAll`.
 *
 * @example
 * let db: ThrowawayDatabase;
 * beforeAll(async () => (db = await createThrowawayDatabase({ prefix: 'tthr' })));
 * afterAll(() => db.drop());
 */
export async function createThrowawayDatabase(options: ThrowawayDatabaseOptions = {}): Promise<ThrowawayDatabase> {
  const prefix = options.prefix ?? 't';
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(prefix)) throw new RangeError(`Invalid database prefix ${JSON.stringify(prefix)}`);
  const adminUrl = options.adminUrl ?? TEST_DATABASE_ADMIN_URL;
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await withPgClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(adminUrl, name);
  return {
    name,
    url,
    admin: (fn) => withPgClient(url, fn),
    drop: async () => {
      await withPgClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
