// The application database (issue 14 item 4, issue 16 item 1): opened by the composition whatever tools are on,
// on PostgreSQL with DATABASE_URL, else an embedded PostgreSQL of its own that no caller statement runs on.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '@agent-mcp/context';
import { createThrowawayDatabase } from '@agent-mcp/context/testing';
import { applicationDataDir, openApplicationDatabase, parseApplicationDatabaseConfig } from './application-database';

jest.setTimeout(120_000);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'application-database-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A conversation turn, as an agent tool records it. */
async function converse(db: ReturnType<typeof openApplicationDatabase>, principal: string): Promise<string> {
  const thread = await db.threads.create(principal);
  await db.threads.append(thread.threadId, principal, [
    { role: 'user', text: 'How many products?', tool: 'database_query' },
    { role: 'assistant', text: '22.', tool: 'database_query' },
  ]);
  return thread.threadId;
}

describe('openApplicationDatabase', () => {
  it('is embedded by default, in its own directory, and keeps threads across a reopen', async () => {
    const env = { XDG_DATA_HOME: dir };
    const first = openApplicationDatabase({ env });
    expect(first.kind).toBe('embedded');
    expect(first.location).toBe(path.join(dir, 'agent-mcp', 'application-db'));
    const threadId = await converse(first, 't:alice');
    await first.close();

    const again = openApplicationDatabase({ env });
    const thread = await again.threads.get(threadId, 't:alice');
    expect(thread?.messages.map((m) => m.text)).toEqual(['How many products?', '22.']);
    await again.close();
  });

  it('with memory, lives in a scratch directory that goes with it', async () => {
    const db = openApplicationDatabase({ env: { APPLICATION_DATABASE_DIR: 'memory' }, scratchParent: dir });
    expect(db.location).toBe('memory');
    await converse(db, 't:bob');
    expect((await db.threads.list('t:bob', { limit: 10 })).threads).toHaveLength(1);
    await db.close();
    expect(readScratch()).toEqual([]);
  });

  it('is PostgreSQL with DATABASE_URL, and names it without credentials', async () => {
    const pg = await createThrowawayDatabase({ prefix: 'tdb_appdb' });
    try {
      const url = new URL(pg.url);
      url.password = 'secret-password';
      // Trust authentication ignores the password; the location must not show it.
      const db = openApplicationDatabase({ env: { DATABASE_URL: url.toString() } });
      expect(db.kind).toBe('postgres');
      expect(db.location).not.toContain('secret-password');
      expect(db.location).toContain(pg.name);
      const threadId = await converse(db, 't:carol');
      expect((await db.threads.get(threadId, 't:carol'))?.messages).toHaveLength(2);
      await db.close();
    } finally {
      await pg.drop();
    }
  });

  it('refuses a bad setting with a message naming it', () => {
    expect(() => parseApplicationDatabaseConfig({ APPLICATION_DATABASE_POOL_MAX: 'many' })).toThrow(ConfigError);
    expect(applicationDataDir(parseApplicationDatabaseConfig({}), {})).toBeUndefined();
  });
});

function readScratch(): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('agent-mcp-pglite-'));
}
