// The embedded PostgreSQL host: the owner's statements through its SqlClient, a worker replaced (as at a caller's
// deadline) reopening the same files so nothing written is lost, server settings applied to every session, and
// a closed host refusing calls and leaving no scratch directory, and PGlite's WebAssembly compiled once per process
// and handed to every worker, a replaced one included.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LogFields, type Logger, noopLogger } from '@agent-mcp/context';
import { createEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { wasmApi } from './worker-host';

jest.setTimeout(120_000);

let dir: string;
let host: EmbeddedPostgres;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'embedded-postgres-'));
  host = createEmbeddedPostgres({
    setupSql: 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);',
    scratchParent: dir,
    snapshotCacheDir: false,
    settings: { temp_file_limit: '64MB' },
  });
});
afterAll(async () => {
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('embedded PostgreSQL host', () => {
  it('keeps what the owner wrote when its worker is replaced', async () => {
    await host.sql.query('INSERT INTO notes VALUES (1, $1)', ['kept']);
    const before = await host.current();
    host.replace(before, 'test');
    expect(host.restarts).toBe(1);
    const after = await host.current();
    expect(after).not.toBe(before);
    expect((await host.sql.query('SELECT body FROM notes WHERE id = 1')).rows).toEqual([{ body: 'kept' }]);
  });

  it('starts every session with the given settings', async () => {
    expect((await host.sql.query("SELECT current_setting('temp_file_limit') AS v")).rows).toEqual([{ v: '64MB' }]);
  });

  it("answers a caller's query with PostgreSQL's text and the owner's statements with parsed values, in turn", async () => {
    const w = await host.current();
    const callerQuery = () =>
      host.exchange(
        w,
        {
          op: 'query',
          id: host.nextId(),
          preamble: 'BEGIN TRANSACTION READ ONLY',
          text: "SELECT 42::int AS n, true AS b, '2026-12-06T10:00:00Z'::timestamptz AS at",
          params: [],
          cursor: false,
          maxRows: 10,
          maxBytes: 65_536,
          reset: 'DEALLOCATE ALL',
        },
        10_000,
      );
    expect(await callerQuery()).toMatchObject({ type: 'result', rows: [['42', 't', '2026-12-06 10:00:00+00']] });
    expect((await host.sql.query('SELECT 42::int AS n, true AS b')).rows).toEqual([{ n: 42, b: true }]);
    expect(await callerQuery()).toMatchObject({ rows: [['42', 't', '2026-12-06 10:00:00+00']] });
  });

  it('runs on a scratch directory of this process, removed on close; later calls are refused', async () => {
    const scratch = host.directory as string;
    expect(path.basename(scratch)).toMatch(new RegExp(`^agent-mcp-pglite-${process.pid}-`));
    expect(host.dataDirInUse).toBeUndefined();
    await host.close();
    expect(existsSync(scratch)).toBe(false);
    await expect(host.sql.query('SELECT 1')).rejects.toMatchObject({ code: 'SQL_CLOSED' });
  });
});

describe('PGlite compiled once per process', () => {
  it('hands the compiled module to a replaced worker instead of compiling it again', async () => {
    const compile = jest.spyOn(wasmApi, 'compile');
    const starts: LogFields[] = [];
    const logger: Logger = {
      ...noopLogger,
      debug: (message, fields) => void (message === 'embedded engine worker started' && starts.push(fields ?? {})),
    };
    const engine = createEmbeddedPostgres({
      setupSql: 'SELECT 1;',
      scratchParent: dir,
      snapshotCacheDir: false,
      logger,
    });
    try {
      await engine.sql.query('SELECT 1');
      engine.replace(await engine.current(), 'test');
      expect((await engine.sql.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
      expect(engine.restarts).toBe(1);
      expect(starts).toEqual([{ precompiled: true }, { precompiled: true }]);
      // At most the first start compiled it (another engine in this process may already have).
      expect(compile.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      compile.mockRestore();
      await engine.close();
    }
  });
});
