// The PostgreSQL engine against the real server on 127.0.0.1:5432, in a database of its own: the read-only
// transaction, the extended protocol, caps (including one value larger than the cap), session reset between
// calls, the statement timeout, cancellation on the server within a second, and the role audit.
import pg from 'pg';
import { QueryCancelledError } from '../errors';
import { createStatementGuard, trustedStatement } from '../guard/statement-guard';
import { createPostgresFixture, type PostgresFixture } from '../spec-helpers/fixtures';
import { type QueryEngine } from '../engine/types';
import { createPostgresEngine } from './postgres-engine';

jest.setTimeout(60_000);

const guard = createStatementGuard();
const limits = { maxRows: 100, maxBytes: 1_000_000, timeoutMs: 5000, tenantId: 'acme' };
let fixture: PostgresFixture;
let engine: QueryEngine;

beforeAll(async () => {
  fixture = await createPostgresFixture();
  engine = createPostgresEngine({ connectionString: fixture.readOnlyUrl, poolMax: 1 });
});
afterAll(async () => {
  await engine?.close();
  await fixture?.drop();
});

async function activeQueries(): Promise<string[]> {
  return fixture.admin(async (c) => {
    const r = await c.query<{ query: string }>(
      "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()",
    );
    return r.rows.map((row) => row.query);
  });
}

describe('postgres engine', () => {
  it('answers a SELECT with JSON values, scoped to the tenant by row-level security', async () => {
    const result = await engine.execute(
      await guard.check('SELECT count(*) AS n, min(ordered_at) AS first FROM orders'),
      limits,
    );
    expect(result.rows).toEqual([{ n: 600, first: expect.stringMatching(/^2025-01-0\d \d\d:\d\d:\d\d(\.\d+)?\+00$/) }]);
    const globex = await engine.execute(await guard.check('SELECT count(*) AS n FROM customers WHERE id > $1'), {
      ...limits,
      tenantId: 'globex',
      params: [0],
    });
    expect(globex.rows).toEqual([{ n: 80 }]);
  });

  it('sends the statement alone in an extended-protocol message, so a second statement is refused by the server', async () => {
    await expect(engine.execute(trustedStatement('SELECT 1; DELETE FROM canary'), limits)).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      data: { sqlstate: '42601' },
    });
  });

  it('refuses writes inside its read-only transaction', async () => {
    await expect(engine.execute(trustedStatement('UPDATE canary SET secret = 1'), limits)).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      data: { sqlstate: '25006' },
    });
  });

  it('caps rows and bytes, and cuts the connection when one value is far larger than the cap', async () => {
    // A set-returning function in the select list streams; the server stops after the fetched batch.
    expect(
      await engine.execute(await guard.check('SELECT generate_series(1, 100000000) AS g'), { ...limits, maxRows: 10 }),
    ).toMatchObject({
      rowCount: 10,
      truncated: true,
      truncatedBy: 'rows',
    });
    expect(
      await engine.execute(await guard.check("SELECT repeat('x', 1000) AS x FROM generate_series(1, 50)"), {
        ...limits,
        maxBytes: 5000,
      }),
    ).toMatchObject({
      rowCount: 5,
      truncatedBy: 'bytes',
    });
    const huge = await engine.execute(await guard.check("SELECT repeat('x', 30000000) AS x"), {
      ...limits,
      maxBytes: 10_000,
    });
    expect(huge).toMatchObject({ rowCount: 0, truncated: true, truncatedBy: 'bytes' });
    expect((await engine.execute(await guard.check('SELECT 1 AS one'), limits)).rows).toEqual([{ one: 1 }]);
  });

  it('resets the session after every call: no setting, cursor or advisory lock survives', async () => {
    await engine.execute(
      trustedStatement("SELECT set_config('work_mem', '1234kB', false), pg_advisory_lock(42)"),
      limits,
    );
    // Locks of this database only: other projects' tests take advisory locks in databases of their own meanwhile.
    const after = await engine.execute(
      trustedStatement(
        "SELECT current_setting('work_mem') AS work_mem, (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS locks, (SELECT count(*) FROM pg_cursors WHERE name <> '') AS cursors",
      ),
      limits,
    );
    expect(after.rows[0]).toEqual({ work_mem: expect.not.stringMatching(/^1234kB$/), locks: 0, cursors: 0 });
  });

  it("leaves nothing behind that a rollback keeps: a function's PREPARE and session advisory lock, after success and after failure", async () => {
    // A function that already exists in the database can do what the guard refuses by name; it is trusted
    // SQL here only to skip the guard, the engine treats it like any statement.
    await fixture.admin((c) =>
      c.query(`CREATE OR REPLACE FUNCTION poison(fail boolean) RETURNS int LANGUAGE plpgsql AS $$
        BEGIN
          EXECUTE 'PREPARE poisoned AS SELECT 42';
          PERFORM pg_advisory_lock(4243);
          IF fail THEN RAISE EXCEPTION 'failing after the lock'; END IF;
          RETURN 1;
        END $$`),
    );
    const state = trustedStatement(
      "SELECT (SELECT count(*) FROM pg_prepared_statements) AS prepared, (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks, current_setting('transaction_read_only') AS ro",
    );
    expect((await engine.execute(trustedStatement('SELECT poison(false) AS p'), limits)).rows).toEqual([{ p: 1 }]);
    expect((await engine.execute(state, limits)).rows).toEqual([{ prepared: 0, locks: 0, ro: 'on' }]);
    await expect(engine.execute(trustedStatement('SELECT poison(true) AS p'), limits)).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      data: { sqlstate: 'P0001' },
    });
    expect((await engine.execute(state, limits)).rows).toEqual([{ prepared: 0, locks: 0, ro: 'on' }]);
    expect(
      await fixture.admin(
        async (c) =>
          (await c.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 4243"))
            .rows[0],
      ),
    ).toEqual({ n: 0 });
  });

  describe('a SELECT without parameters, sent as one simple Query', () => {
    beforeAll(() =>
      fixture.admin((c) =>
        c.query(`CREATE OR REPLACE FUNCTION poison2(fail boolean) RETURNS int LANGUAGE plpgsql AS $$
          BEGIN
            EXECUTE 'PREPARE poisoned2 AS SELECT 42';
            PERFORM pg_advisory_lock(4244);
            PERFORM set_config('work_mem', '1234kB', false);
            IF fail THEN RAISE EXCEPTION 'failing after the lock'; END IF;
            RETURN 1;
          END $$;
          CREATE OR REPLACE FUNCTION slow_row(n int) RETURNS int LANGUAGE sql AS 'SELECT n FROM pg_sleep(0.2)';
          CREATE OR REPLACE FUNCTION write_canary() RETURNS int LANGUAGE sql AS 'UPDATE canary SET secret = secret RETURNING 1';`),
      ),
    );
    const state = trustedStatement(
      "SELECT (SELECT count(*) FROM pg_prepared_statements) AS prepared, (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks, current_setting('work_mem') AS work_mem, current_setting('transaction_read_only') AS ro, (SELECT count(*) FROM pg_cursors WHERE name <> '') AS cursors",
    );
    const clean = { prepared: 0, locks: 0, work_mem: expect.not.stringMatching(/^1234kB$/), ro: 'on', cursors: 0 };

    it("leaves nothing behind: a function's PREPARE, session setting and advisory lock, after success and after failure", async () => {
      expect((await engine.execute(await guard.check('SELECT poison2(false) AS p'), limits)).rows).toEqual([{ p: 1 }]);
      expect((await engine.execute(state, limits)).rows).toEqual([clean]);
      await expect(engine.execute(await guard.check('SELECT poison2(true) AS p'), limits)).rejects.toMatchObject({
        code: 'QUERY_FAILED',
        data: { sqlstate: 'P0001' },
      });
      expect((await engine.execute(state, limits)).rows).toEqual([clean]);
    });

    it('refuses a write made by a function, inside its read-only transaction', async () => {
      await expect(engine.execute(await guard.check('SELECT write_canary()'), limits)).rejects.toMatchObject({
        code: 'QUERY_FAILED',
        data: { sqlstate: '25006' },
      });
    });

    it('cuts a slow statement at its statement_timeout, and at the usual deadline of the session', async () => {
      // Slow by CPU alone: small function scans in a nested loop never spill to disk, so the role's
      // temp_file_limit (53400, QUERY_FAILED) cannot end it before its deadline does.
      const slow = await guard.check(
        'SELECT count(*) FROM generate_series(1, 10000) a, generate_series(1, 10000) b, generate_series(1, 10000) c',
      );
      let started = Date.now();
      await expect(engine.execute(slow, { ...limits, timeoutMs: 300 })).rejects.toMatchObject({
        code: 'QUERY_TIMEOUT',
      });
      expect(Date.now() - started).toBeLessThan(2000);
      const usual = createPostgresEngine({
        connectionString: fixture.readOnlyUrl,
        poolMax: 1,
        statementTimeoutMs: 300,
      });
      try {
        started = Date.now();
        await expect(usual.execute(slow, { ...limits, timeoutMs: 300 })).rejects.toMatchObject({
          code: 'QUERY_TIMEOUT',
        });
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        await usual.close();
      }
    });

    it('stops the server one row past the cap', async () => {
      // Each row sleeps 200 ms: run to its end the statement would take 200 s, cut at 3 rows it takes 0.6 s.
      const started = Date.now();
      const result = await engine.execute(await guard.check('SELECT slow_row(g) FROM generate_series(1, 1000) AS g'), {
        ...limits,
        maxRows: 2,
        timeoutMs: 60_000,
      });
      expect(result).toMatchObject({ rowCount: 2, truncated: true, truncatedBy: 'rows' });
      expect(Date.now() - started).toBeLessThan(30_000);
    });

    it("reports an error's position in the caller's statement, on both paths", async () => {
      for (const sql of ['SELECT nope FROM customers', 'SELECT name FROM customers WHERE nope = $1']) {
        await expect(
          engine.execute(await guard.check(sql), { ...limits, params: sql.includes('$1') ? [1] : [] }),
        ).rejects.toMatchObject({
          code: 'QUERY_FAILED',
          data: { sqlstate: '42703', position: sql.indexOf('nope') + 1 },
        });
      }
    });
  });

  it('stops the server at the protocol row limit, one row past the cap', async () => {
    // Each row sleeps 200 ms: run to its end the statement would take 200 s, cut at 3 rows it takes 0.6 s.
    const started = Date.now();
    const result = await engine.execute(
      trustedStatement('SELECT g, pg_sleep(0.2) FROM generate_series(1, 1000) AS g'),
      { ...limits, maxRows: 2, timeoutMs: 60_000 },
    );
    expect(result).toMatchObject({ rowCount: 2, truncated: true, truncatedBy: 'rows' });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('returns exactly the rows of a statement that ends below the cap, untruncated', async () => {
    const result = await engine.execute(await guard.check('SELECT g FROM generate_series(1, 3) AS g'), {
      ...limits,
      maxRows: 3,
    });
    expect(result).toEqual({
      columns: [{ name: 'g', type: 'int4' }],
      rows: [{ g: 1 }, { g: 2 }, { g: 3 }],
      rowCount: 3,
      truncated: false,
    });
  });

  it('stops a statement at its statement_timeout', async () => {
    const started = Date.now();
    await expect(
      engine.execute(trustedStatement('SELECT pg_sleep(10)'), { ...limits, timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('cancels the running statement on the server within a second of an abort', async () => {
    const controller = new AbortController();
    const running = engine.execute(trustedStatement('SELECT pg_sleep(30)'), {
      ...limits,
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    for (let i = 0; i < 50 && !(await activeQueries()).some((q) => q.includes('pg_sleep')); i++)
      await new Promise((r) => setTimeout(r, 50));
    const abortedAt = Date.now();
    controller.abort('user pressed stop');
    await expect(running).rejects.toBeInstanceOf(QueryCancelledError);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    for (let i = 0; i < 20 && (await activeQueries()).some((q) => q.includes('pg_sleep')); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect((await activeQueries()).filter((q) => q.includes('pg_sleep'))).toEqual([]);
    expect((await engine.execute(await guard.check('SELECT 2 AS two'), limits)).rows).toEqual([{ two: 2 }]);
  });

  it('cancels a statement aborted the moment it shows as running, every time', async () => {
    // A cancel request that lands while the server still reads the pipeline is dropped by the server: the
    // engine must ask again until the call ends. Aborting as soon as the statement appears hits that window.
    const slow = 'SELECT count(*) FROM generate_series(1, 10000000000)';
    const admin = new pg.Client({ connectionString: fixture.adminUrl });
    await admin.connect();
    const running = async () =>
      (
        await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query = $1", [
          slow,
        ])
      ).rows[0].n as number;
    try {
      for (let round = 0; round < 8; round++) {
        const controller = new AbortController();
        const call = engine.execute(trustedStatement(slow), {
          ...limits,
          timeoutMs: 30_000,
          signal: controller.signal,
        });
        for (let i = 0; i < 400 && (await running()) === 0; i++) await new Promise((r) => setTimeout(r, 5));
        const abortedAt = Date.now();
        controller.abort('user pressed stop');
        await expect(call).rejects.toBeInstanceOf(QueryCancelledError);
        while ((await running()) > 0 && Date.now() - abortedAt < 5000) await new Promise((r) => setTimeout(r, 10));
        expect(Date.now() - abortedAt).toBeLessThan(1000);
      }
    } finally {
      await admin.end();
    }
  });

  it('runs nothing for a call cancelled while it waited for a connection', async () => {
    // poolMax is 1: the second call waits for the first one's connection.
    const first = engine.execute(trustedStatement('SELECT pg_sleep(0.3)'), limits);
    const controller = new AbortController();
    const second = engine.execute(trustedStatement("SELECT 'ran' AS r"), { ...limits, signal: controller.signal });
    controller.abort('user pressed stop');
    await expect(second).rejects.toBeInstanceOf(QueryCancelledError);
    await first;
    expect((await engine.execute(await guard.check('SELECT 3 AS three'), limits)).rows).toEqual([{ three: 3 }]);
  });

  it('returns a row cap of thousands in one round trip, then leaves no cursor or portal open', async () => {
    const result = await engine.execute(await guard.check('SELECT g FROM generate_series(1, 5000) AS g'), {
      ...limits,
      maxRows: 2500,
    });
    expect(result).toMatchObject({ rowCount: 2500, truncated: true, truncatedBy: 'rows' });
    expect(result.rows.at(-1)).toEqual({ g: 2500 });
    const cursors = await engine.execute(
      trustedStatement("SELECT count(*) AS n FROM pg_cursors WHERE name <> ''"),
      limits,
    );
    expect(cursors.rows).toEqual([{ n: 0 }]);
  });

  it('gives calls with the usual deadline the session default, which still cuts them', async () => {
    const usual = createPostgresEngine({ connectionString: fixture.readOnlyUrl, poolMax: 1, statementTimeoutMs: 300 });
    try {
      const show = await usual.execute(trustedStatement("SELECT current_setting('statement_timeout') AS t"), {
        ...limits,
        timeoutMs: 300,
      });
      expect(show.rows).toEqual([{ t: '300ms' }]);
      const other = await usual.execute(trustedStatement("SELECT current_setting('statement_timeout') AS t"), {
        ...limits,
        timeoutMs: 4000,
      });
      expect(other.rows).toEqual([{ t: '4s' }]);
      await expect(
        usual.execute(trustedStatement('SELECT pg_sleep(10)'), { ...limits, timeoutMs: 300 }),
      ).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
    } finally {
      await usual.close();
    }
  });

  it('gives calls for the usual tenant the session default; a SET of another tenant never reaches the next call', async () => {
    const usual = createPostgresEngine({ connectionString: fixture.readOnlyUrl, poolMax: 1, defaultTenantId: 'acme' });
    const tenant = trustedStatement(
      "SELECT current_setting('app.tenant_id', true) AS t, current_setting('transaction_read_only') AS ro, (SELECT count(*) FROM customers) AS n",
    );
    try {
      expect((await usual.execute(tenant, limits)).rows).toEqual([{ t: 'acme', ro: 'on', n: 120 }]);
      // A session-level set_config (what a function in the database could run) is undone by the rollback.
      await usual.execute(trustedStatement("SELECT set_config('app.tenant_id', 'globex', false)"), limits);
      expect((await usual.execute(tenant, limits)).rows).toEqual([{ t: 'acme', ro: 'on', n: 120 }]);
      // Also after a call that failed after its set_config, whose connection is reset with DISCARD ALL.
      await expect(
        usual.execute(trustedStatement("SELECT set_config('app.tenant_id', 'globex', false), 1 / 0"), limits),
      ).rejects.toMatchObject({ code: 'QUERY_FAILED', data: { sqlstate: '22012' } });
      expect((await usual.execute(tenant, limits)).rows).toEqual([{ t: 'acme', ro: 'on', n: 120 }]);
      // Another tenant, and no tenant at all, still get a SET of their own.
      expect((await usual.execute(tenant, { ...limits, tenantId: 'globex' })).rows).toEqual([
        { t: 'globex', ro: 'on', n: 80 },
      ]);
      expect((await usual.execute(tenant, { ...limits, tenantId: undefined })).rows).toEqual([
        { t: '', ro: 'on', n: 0 },
      ]);
      expect((await usual.execute(tenant, limits)).rows).toEqual([{ t: 'acme', ro: 'on', n: 120 }]);
    } finally {
      await usual.close();
    }
  });

  it('keeps the startup options of the connection string, also after the reset', async () => {
    const url = new URL(fixture.readOnlyUrl);
    url.searchParams.set('options', '-c work_mem=2345kB');
    const tuned = createPostgresEngine({ connectionString: url.toString(), poolMax: 1 });
    try {
      for (let call = 0; call < 2; call++) {
        const result = await tuned.execute(trustedStatement("SELECT current_setting('work_mem') AS w"), limits);
        expect(result.rows).toEqual([{ w: '2345kB' }]);
      }
    } finally {
      await tuned.close();
    }
  });

  it('audits the role: the read-only role is clean, the superuser is flagged', async () => {
    expect(await engine.auditRole()).toEqual({ role: fixture.role, problems: [] });
    const admin = createPostgresEngine({ connectionString: fixture.adminUrl, poolMax: 1 });
    try {
      expect((await admin.auditRole()).problems).toEqual(
        expect.arrayContaining([
          'is a superuser',
          'can create temporary tables',
          expect.stringMatching(/^can write to \d+ table/),
        ]),
      );
    } finally {
      await admin.close();
    }
  });
});

describe('read-only role on its own (no guard, no transaction of ours)', () => {
  it.each([
    ['INSERT INTO canary (id, secret) VALUES (1000, $$x$$)', '42501'],
    ['CREATE TABLE t (x int)', '42501'],
    ['CREATE TEMP TABLE t (x int)', '42501'],
    ["SELECT pg_read_file('/etc/passwd')", '42501'],
    ["COPY canary TO '/tmp/canary.csv'", '42501'],
  ])('is refused %s', async (sql, sqlstate) => {
    const client = new pg.Client({ connectionString: fixture.readOnlyUrl });
    await client.connect();
    try {
      // default_transaction_read_only is on for the role; turn it off to see the privilege itself refuse.
      await client.query('SET default_transaction_read_only = off');
      await expect(client.query(sql)).rejects.toMatchObject({ code: sqlstate });
    } finally {
      await client.end();
    }
  });
});
