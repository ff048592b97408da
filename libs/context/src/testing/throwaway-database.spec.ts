// The throwaway-database fixture against the real test server: a database of its own, usable, then gone.
import pg from 'pg';
import { createThrowawayDatabase, withPgClient, TEST_DATABASE_ADMIN_URL } from './index';

const exists = (name: string) =>
  withPgClient(TEST_DATABASE_ADMIN_URL, async (c) => {
    const { rows } = await c.query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [name]);
    return rows[0]?.n === 1;
  });

describe('createThrowawayDatabase', () => {
  it('creates a database of its own, named after the prefix, and drops it with its connections open', async () => {
    const db = await createThrowawayDatabase({ prefix: 'tfix' });
    expect(db.name).toMatch(/^tfix_[0-9a-f]{10}$/);
    expect(await exists(db.name)).toBe(true);
    expect(await db.admin(async (c) => (await c.query('SELECT current_database() AS d')).rows[0]?.d)).toBe(db.name);
    expect(new URL(db.url).pathname).toBe(`/${db.name}`);
    // A connection still open does not stop the drop.
    const open = new pg.Client({ connectionString: db.url });
    open.on('error', () => undefined);
    await open.connect();
    await db.drop();
    expect(await exists(db.name)).toBe(false);
    await db.drop();
    await open.end().catch(() => undefined);
  });

  it('refuses a prefix that is not a plain identifier', async () => {
    await expect(createThrowawayDatabase({ prefix: 'x; DROP DATABASE postgres' })).rejects.toThrow(
      /Invalid database prefix/,
    );
  });
});
