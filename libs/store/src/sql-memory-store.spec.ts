// A principal's memory in PostgreSQL (the application database; a real server in a database of this file's own,
// and PGlite): values round-trip as JSON, keys in write order, per namespace, bounded, expiring.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryValueTooLargeError, type SqlClient } from '@agent-mcp/context';
import { createThrowawayDatabase } from '@agent-mcp/context/testing';
import { createEmbeddedPostgres } from './embedded/embedded-postgres';
import { createPgSqlClient } from './pg-sql-client';
import { SqlMemoryStore } from './sql-memory-store';

jest.setTimeout(120_000);

async function postgres(): Promise<{ sql: SqlClient; close(): Promise<void> }> {
  const db = await createThrowawayDatabase({ prefix: 'tmemory' });
  const sql = createPgSqlClient({ connectionString: db.url });
  return { sql, close: async () => (await sql.close(), await db.drop()) };
}

async function pglite(): Promise<{ sql: SqlClient; close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sql-memory-'));
  const host = createEmbeddedPostgres({ setupSql: '', scratchParent: dir, snapshotCacheDir: false });
  return { sql: host.sql, close: async () => (await host.close(), await rm(dir, { recursive: true, force: true })) };
}

describe.each([
  ['PostgreSQL', postgres],
  ['PGlite', pglite],
] as const)('SqlMemoryStore on %s', (_name, open) => {
  let backend: { sql: SqlClient; close(): Promise<void> };
  let store: SqlMemoryStore;
  beforeAll(async () => {
    backend = await open();
    store = new SqlMemoryStore({ sql: backend.sql, maxEntriesPerNamespace: 3, maxValueBytes: 100 });
  });
  afterAll(() => backend?.close());

  it('keeps values per namespace, keys in write order, a rewrite moving to the end', async () => {
    await store.set('t1:alice', 'language', 'Answer in French');
    await store.set('t1:alice', 'units', { distance: 'km' });
    await store.set('t1:alice', 'language', 'Answer in German');
    expect(await store.get('t1:alice', 'language')).toBe('Answer in German');
    expect(await store.get('t1:alice', 'units')).toEqual({ distance: 'km' });
    expect(await store.keys('t1:alice')).toEqual(['units', 'language']);
    expect(await store.get('t1:bob', 'language')).toBeUndefined();
    expect(await store.keys('t1:bob')).toEqual([]);
    expect(await store.delete('t1:bob', 'language')).toBe(false);
    expect(await store.delete('t1:alice', 'units')).toBe(true);
    expect(await store.keys('t1:alice')).toEqual(['language']);
  });

  it('keeps at most the bound per namespace, dropping the least recently written', async () => {
    for (const key of ['a', 'b', 'c', 'd']) await store.set('t1:carol', key, key);
    expect(await store.keys('t1:carol')).toEqual(['b', 'c', 'd']);
  });

  it('refuses a value over the size bound, and forgets an expired one', async () => {
    await expect(store.set('t1:dave', 'big', 'x'.repeat(200))).rejects.toBeInstanceOf(MemoryValueTooLargeError);
    await store.set('t1:dave', 'brief', 'soon gone', { ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.get('t1:dave', 'brief')).toBeUndefined();
    expect(await store.keys('t1:dave')).toEqual([]);
  });
});
