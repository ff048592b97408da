// The embedded engine's trusted SqlClient (the application's own statements, as the owner role, in the same
// worker as caller SQL), and its persistent data directory: rows survive a caller's deadline and a restart,
// and a second process never opens the same directory.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Logger, SqlError } from '@agent-mcp/context';
import { createStatementGuard, trustedStatement } from '../guard/statement-guard';
import { embeddedSetupSql } from '../sample';
import { createTestEmbeddedEngine } from '../spec-helpers/fixtures';
import { type EmbeddedEngine } from './embedded-engine';

jest.setTimeout(180_000);

const NOTES_SQL = `CREATE TABLE notes (id int PRIMARY KEY, tenant_id text NOT NULL DEFAULT 'acme', body text NOT NULL);
GRANT SELECT ON notes TO mcp_readonly;`;
const guard = createStatementGuard();
const limits = { maxRows: 100, maxBytes: 1_000_000, timeoutMs: 5000, tenantId: 'acme' };
const engines: EmbeddedEngine[] = [];
let dir: string;

function engine(overrides: Parameters<typeof createTestEmbeddedEngine>[0] = {}): EmbeddedEngine {
  const e = createTestEmbeddedEngine({
    ...overrides,
    setupSql: () => `${embeddedSetupSql()}\n${NOTES_SQL}`,
  });
  engines.push(e);
  return e;
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger & { warnings: string[] } = {
    warnings,
    level: 'debug',
    debug: () => undefined,
    info: () => undefined,
    notice: () => undefined,
    warn: (message: string) => void warnings.push(message),
    error: () => undefined,
    child: () => logger,
  } as unknown as Logger & { warnings: string[] };
  return logger;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'embedded-sql-'));
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('trusted statements in memory', () => {
  let mem: EmbeddedEngine;
  beforeAll(() => {
    mem = engine();
  });

  it('write as the owner while caller SQL stays read-only, as the read-only role', async () => {
    const inserted = await mem.sql.query('INSERT INTO notes (id, body) VALUES ($1, $2), ($3, $4)', [
      1,
      'one',
      2,
      'two',
    ]);
    expect(inserted.rowCount).toBe(2);
    expect((await mem.sql.query<{ who: string }>('SELECT current_user AS who')).rows).toEqual([{ who: 'postgres' }]);
    const caller = await mem.execute(
      trustedStatement('SELECT current_user AS who, (SELECT count(*) FROM notes) AS n'),
      limits,
    );
    expect(caller.rows).toEqual([{ who: 'mcp_readonly', n: 2 }]);
    await expect(mem.execute(trustedStatement('DELETE FROM notes'), limits)).rejects.toMatchObject({
      code: 'QUERY_FAILED',
    });
  });

  it('report a refused statement with its SQLSTATE', async () => {
    await mem.sql.query('INSERT INTO notes (id, body) VALUES (10, $1)', ['x']);
    const error = await mem.sql.query('INSERT INTO notes (id, body) VALUES (10, $1)', ['y']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlError);
    expect(error).toMatchObject({ code: 'SQL_FAILED', sqlstate: '23505' });
  });

  it('roll a transaction back when its work throws, and rethrow', async () => {
    const failure = new Error('work failed');
    await expect(
      mem.sql.transaction(async (tx) => {
        await tx.query('INSERT INTO notes (id, body) VALUES (20, $1)', ['rolled back']);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await mem.sql.query('SELECT count(*)::int AS n FROM notes WHERE id = 20')).rows).toEqual([{ n: 0 }]);
    // The role is the read-only one again for callers after the rollback.
    expect((await mem.execute(trustedStatement('SELECT current_user AS who'), limits)).rows).toEqual([
      { who: 'mcp_readonly' },
    ]);
  });

  it('hold the engine for a whole transaction: a caller statement waits for the commit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const didInsert = new Promise<void>((r) => (inserted = r));
    const tx = mem.sql.transaction(async (t) => {
      await t.query('INSERT INTO notes (id, body) VALUES (30, $1)', ['in a transaction']);
      inserted();
      await gate;
    });
    await didInsert;
    const caller = mem.execute(trustedStatement('SELECT count(*) AS n FROM notes WHERE id = 30'), limits);
    release();
    await tx;
    expect((await caller).rows).toEqual([{ n: 1 }]);
  });

  it('are never ended at their deadline: the caller hears of it, the worker lives', async () => {
    const before = mem.restarts;
    const error = await mem.sql.query('SELECT pg_sleep(1.5)', [], { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SQL_TIMEOUT' });
    expect((await mem.sql.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(mem.restarts).toBe(before);
  });

  it('refuse calls after close of the client', async () => {
    const own = engine();
    await own.sql.close();
    await expect(own.sql.query('SELECT 1')).rejects.toMatchObject({ code: 'SQL_CLOSED' });
  });
});

describe('a persistent data directory', () => {
  it('keeps written rows across a caller deadline and a restart of the process', async () => {
    const dataDir = path.join(dir, 'db');
    const first = engine({ dataDir });
    await first.sql.query('INSERT INTO notes (id, body) VALUES (1, $1)', ['kept']);
    expect(first.dataDirInUse).toBe(dataDir);
    await expect(
      first.execute(await guard.check('SELECT count(*) FROM generate_series(1, 1000000000)'), {
        ...limits,
        timeoutMs: 500,
      }),
    ).rejects.toMatchObject({
      code: 'QUERY_TIMEOUT',
    });
    expect(first.restarts).toBe(1);
    // Restarted from the directory, not the snapshot: the row is still there.
    expect((await first.sql.query('SELECT body FROM notes WHERE id = 1')).rows).toEqual([{ body: 'kept' }]);
    await first.close();

    const again = engine({ dataDir });
    expect((await again.sql.query('SELECT body FROM notes WHERE id = 1')).rows).toEqual([{ body: 'kept' }]);
    expect(again.dataDirInUse).toBe(dataDir);
    await again.close();
  });

  it('is opened by one engine only: the second keeps its data in memory and warns', async () => {
    const dataDir = path.join(dir, 'locked');
    const owner = engine({ dataDir });
    await owner.ready();
    const logger = recordingLogger();
    const second = engine({ dataDir, logger });
    await second.sql.query('INSERT INTO notes (id, body) VALUES (2, $1)', ['only in memory']);
    expect(second.dataDirInUse).toBeUndefined();
    expect(logger.warnings).toEqual(expect.arrayContaining([expect.stringContaining('in use by another process')]));
    expect((await owner.sql.query('SELECT count(*)::int AS n FROM notes WHERE id = 2')).rows).toEqual([{ n: 0 }]);
  });

  it('takes over the lock of a process that is gone', async () => {
    const dataDir = path.join(dir, 'stale');
    // Beyond any pid_max, so no live process has it.
    await writeFile(`${dataDir}.lock`, '2147483646');
    const e = engine({ dataDir });
    await e.ready();
    expect(e.dataDirInUse).toBe(dataDir);
  });
});
