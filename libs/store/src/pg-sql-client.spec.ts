// createPgSqlClient against the real PostgreSQL test server, in a database of this file's own.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPgSqlClient } from './pg-sql-client';
import { type SqlClient, SqlError } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase, withPgClient } from '@agent-mcp/context/testing';

const appName = `ctx-spec-${randomBytes(5).toString('hex')}`;
let db: ThrowawayDatabase;
let url: string;
let sql: SqlClient;

async function rejection(p: Promise<unknown>): Promise<SqlError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SqlError);
  return error as SqlError;
}

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'tctx' });
  url = db.url;
  sql = createPgSqlClient({ connectionString: url, applicationName: appName, cancelGraceMs: 10_000 });
  await sql.query('CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)');
});

afterAll(async () => {
  await sql.close();
  await db?.drop();
});

beforeEach(() => sql.query('TRUNCATE notes'));

it('runs parameterised statements and reports rows and affected counts', async () => {
  const inserted = await sql.query('INSERT INTO notes (id, body) VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
  expect(inserted.rowCount).toBe(2);
  const selected = await sql.query<{ id: number; body: string }>('SELECT id, body FROM notes WHERE id = $1', [2]);
  expect(selected.rows).toEqual([{ id: 2, body: 'two' }]);
  expect(selected.rowCount).toBe(1);
});

it("runs a script of several statements and answers the last one's outcome", async () => {
  const result = await sql.query(
    "INSERT INTO notes VALUES (5, 'a'); INSERT INTO notes VALUES (6, 'b'); SELECT count(*)::int AS n FROM notes",
  );
  expect(result).toEqual({ rows: [{ n: 2 }], rowCount: 1 });
});

it('reports a refused statement with its SQLSTATE', async () => {
  await sql.query('INSERT INTO notes VALUES (1, $1)', ['x']);
  const error = await rejection(sql.query('INSERT INTO notes VALUES (1, $1)', ['y']));
  expect(error.code).toBe('SQL_FAILED');
  expect(error.sqlstate).toBe('23505');
});

it('commits a transaction whose work resolves', async () => {
  const value = await sql.transaction(async (tx) => {
    await tx.query('INSERT INTO notes VALUES (1, $1)', ['a']);
    await tx.query('INSERT INTO notes VALUES (2, $1)', ['b']);
    return 'done';
  });
  expect(value).toBe('done');
  expect((await sql.query('SELECT count(*)::int AS n FROM notes')).rows[0]).toEqual({ n: 2 });
});

it('rolls a transaction back when its work throws, and rethrows', async () => {
  const failure = new Error('work failed');
  await expect(
    sql.transaction(async (tx) => {
      await tx.query('INSERT INTO notes VALUES (1, $1)', ['a']);
      throw failure;
    }),
  ).rejects.toBe(failure);
  expect((await sql.query('SELECT count(*)::int AS n FROM notes')).rows[0]).toEqual({ n: 0 });
});

it('refuses statements on a transaction that has ended', async () => {
  let escaped: Parameters<Parameters<SqlClient['transaction']>[0]>[0] | undefined;
  await sql.transaction(async (tx) => {
    escaped = tx;
  });
  const error = await rejection((escaped as NonNullable<typeof escaped>).query('SELECT 1'));
  expect(error.code).toBe('SQL_CLOSED');
});

it('cancels a statement on the server when its deadline passes', async () => {
  const error = await rejection(sql.query('SELECT pg_sleep(30)', [], { timeoutMs: 200 }));
  expect(error.code).toBe('SQL_TIMEOUT');
  // 57014 is the server's own "canceling statement due to user request": the statement stopped there, not
  // merely in this process (the socket's grace period is 10 s here).
  expect((error.cause as { code?: string }).code).toBe('57014');
  expect((await sql.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
});

it('cancels a statement on the server when the caller aborts', async () => {
  const controller = new AbortController();
  const running = sql.query('SELECT pg_sleep(30)', [], { signal: controller.signal });
  await waitForActive('pg_sleep(30)');
  controller.abort('client went away');
  const error = await rejection(running);
  expect(error.code).toBe('SQL_CANCELLED');
  expect(error.message).toContain('client went away');
  expect((error.cause as { code?: string }).code).toBe('57014');
  expect(await activeCount('pg_sleep(30)')).toBe(0);
});

it('rolls back a transaction whose statement the caller aborts', async () => {
  const controller = new AbortController();
  const running = sql.transaction(
    async (tx) => {
      await tx.query('INSERT INTO notes VALUES (1, $1)', ['a']);
      await tx.query('SELECT pg_sleep(30)');
    },
    { signal: controller.signal },
  );
  await waitForActive('pg_sleep(30)');
  controller.abort();
  expect((await rejection(running)).code).toBe('SQL_CANCELLED');
  expect((await sql.query('SELECT count(*)::int AS n FROM notes')).rows[0]).toEqual({ n: 0 });
});

it('bounds a whole transaction by its deadline', async () => {
  const error = await rejection(
    sql.transaction(
      async (tx) => {
        await tx.query('SELECT pg_sleep(0.1)');
        await tx.query('SELECT pg_sleep(30)');
      },
      { timeoutMs: 400 },
    ),
  );
  expect(error.code).toBe('SQL_TIMEOUT');
  expect(error.message).toContain('400 ms');
});

it('refuses every call after close', async () => {
  const own = createPgSqlClient({ connectionString: url });
  await own.query('SELECT 1');
  await own.close();
  expect((await rejection(own.query('SELECT 1'))).code).toBe('SQL_CLOSED');
});

function activeCount(fragment: string): Promise<number> {
  return withPgClient(url, async (c) => {
    const r = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%' || $2 || '%'`,
      [appName, fragment],
    );
    return r.rows[0]?.n ?? 0;
  });
}

async function waitForActive(fragment: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await activeCount(fragment)) > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no active statement like ${fragment}`);
}

it('cancels statements aborted the moment they show as running, every time', async () => {
  // The server drops a cancel request that lands while it reads a message: the client must ask again.
  const monitor = new pg.Client({ connectionString: url });
  await monitor.connect();
  const running = async (tag: string) =>
    (
      await monitor.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1",
        [`%${tag}%`],
      )
    ).rows[0]?.n ?? 0;
  try {
    for (let round = 0; round < 6; round++) {
      const tag = `cancel_round_${round}`;
      const controller = new AbortController();
      const call = sql.query(`SELECT pg_sleep(20) AS ${tag}`, [], { signal: controller.signal, timeoutMs: 30_000 });
      for (let i = 0; i < 400 && (await running(tag)) === 0; i++) await new Promise((r) => setTimeout(r, 5));
      controller.abort('stop at once');
      const abortedAt = Date.now();
      expect((await rejection(call)).code).toBe('SQL_CANCELLED');
      while ((await running(tag)) > 0 && Date.now() - abortedAt < 5000) await new Promise((r) => setTimeout(r, 10));
      expect(Date.now() - abortedAt).toBeLessThan(1500);
    }
  } finally {
    await monitor.end();
  }
});
