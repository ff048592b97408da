// The embedded engine (PGlite in a worker thread) as the tools create it with no DATABASE_URL, the way a new
// user running `npm start` gets it: sql_query and the schema over MCP with no setup, the read-only
// transaction, caps, the deadline that ends the worker (PGlite ignores statement_timeout), cancellation, and
// that no session state survives a call.
import { QueryCancelledError } from '../errors';
import { createDatabaseTools } from '../create-database-tools';
import { createStatementGuard, trustedStatement } from '../guard/statement-guard';
import { type EmbeddedEngine } from './embedded-engine';
import { connectPipeClient, type PipeClient, testServer, textOf } from '../spec-helpers/mcp-client';

jest.setTimeout(180_000);

const guard = createStatementGuard();
const tools = createDatabaseTools({ env: {} });
const engine = tools.engine as EmbeddedEngine;
const limits = { maxRows: 100, maxBytes: 1_000_000, timeoutMs: 5000, tenantId: 'acme' };
let client: PipeClient;

beforeAll(async () => {
  const server = testServer();
  tools.register(server);
  client = await connectPipeClient(server);
  await engine.ready();
});
afterAll(async () => {
  await client?.close();
  await tools.close();
});

describe('embedded default over MCP', () => {
  it('is the engine when DATABASE_URL is unset, and its role is least-privileged', async () => {
    expect(engine.kind).toBe('embedded');
    expect(await engine.auditRole()).toEqual({ role: 'mcp_readonly', problems: [] });
  });

  it('answers sql_query about the sample data and serves the schema', async () => {
    const result = await client.callTool('sql_query', {
      sql: `SELECT c.country, count(DISTINCT c.id) AS customers, sum(o.total) AS revenue
            FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.status = 'delivered'
            GROUP BY c.country ORDER BY revenue DESC LIMIT 3`,
    });
    expect(result['isError']).toBeUndefined();
    expect(result['structuredContent']).toMatchObject({
      rowCount: 3,
      truncated: false,
      rows: [{ country: expect.any(String), customers: expect.any(Number), revenue: expect.any(Number) }, {}, {}],
    });
    expect(textOf(result)).toContain('| country | customers | revenue |');
    const tables = (await client.request('resources/read', { uri: 'db://tables' })).result as {
      contents: Array<{ text: string }>;
    };
    expect(JSON.parse(tables.contents[0].text).tables.map((t: { name: string }) => t.name)).toEqual([
      'customers',
      'kb_articles',
      'order_items',
      'orders',
      'products',
      'support_tickets',
      'ticket_messages',
    ]);
  });
});

describe('embedded engine', () => {
  it('answers a SELECT with JSON values, scoped to the tenant by row-level security', async () => {
    const result = await engine.execute(
      await guard.check(
        'SELECT tenant_id, count(*) AS n, sum(total) AS revenue, bool_and(true) AS ok FROM orders GROUP BY 1',
      ),
      limits,
    );
    expect(result.columns).toEqual([
      { name: 'tenant_id', type: 'text' },
      { name: 'n', type: 'int8' },
      { name: 'revenue', type: 'numeric' },
      { name: 'ok', type: 'bool' },
    ]);
    expect(result.rows).toEqual([{ tenant_id: 'acme', n: 600, revenue: expect.any(Number), ok: true }]);
    const globex = await engine.execute(await guard.check('SELECT count(*) AS n FROM customers'), {
      ...limits,
      tenantId: 'globex',
    });
    expect(globex.rows).toEqual([{ n: 80 }]);
  });

  it('binds parameters through the extended protocol', async () => {
    const result = await engine.execute(await guard.check('SELECT name FROM customers WHERE id = $1'), {
      ...limits,
      params: [1],
    });
    expect(result.rows).toEqual([{ name: expect.any(String) }]);
  });

  it('caps rows and bytes and says so', async () => {
    const rows = await engine.execute(await guard.check('SELECT g FROM generate_series(1, 100000) g'), {
      ...limits,
      maxRows: 10,
    });
    expect(rows).toMatchObject({ rowCount: 10, truncated: true, truncatedBy: 'rows' });
    const bytes = await engine.execute(await guard.check("SELECT repeat('x', 1000) AS x FROM generate_series(1, 50)"), {
      ...limits,
      maxBytes: 5000,
    });
    expect(bytes).toMatchObject({ rowCount: 5, truncated: true, truncatedBy: 'bytes' });
  });

  it('refuses writes inside its read-only transaction, as the read-only role', async () => {
    await expect(engine.execute(trustedStatement('DELETE FROM customers'), limits)).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      data: { sqlstate: '25006' },
    });
    const who = await engine.execute(trustedStatement('SELECT current_user AS who'), limits);
    expect(who.rows).toEqual([{ who: 'mcp_readonly' }]);
  });

  it('leaves no setting or advisory lock behind for the next call', async () => {
    await engine.execute(
      trustedStatement("SELECT set_config('work_mem', '1234kB', false), pg_advisory_lock(42)"),
      limits,
    );
    const after = await engine.execute(
      trustedStatement(
        "SELECT current_setting('work_mem') AS work_mem, (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory') AS locks, current_user AS who",
      ),
      limits,
    );
    expect(after.rows).toEqual([{ work_mem: expect.not.stringMatching(/^1234kB$/), locks: 0, who: 'mcp_readonly' }]);
  });

  it("runs a SELECT without parameters in one exec and still leaves nothing behind: a function's PREPARE, session setting and advisory lock, after success and after failure", async () => {
    // A function already in the database can do what the guard refuses by name; the guard admits calling it.
    await engine.sql.query(`CREATE OR REPLACE FUNCTION poison(fail boolean) RETURNS int LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE 'PREPARE poisoned AS SELECT 42';
        PERFORM pg_advisory_lock(4243);
        PERFORM set_config('work_mem', '1234kB', false);
        IF fail THEN RAISE EXCEPTION 'failing after the lock'; END IF;
        RETURN 1;
      END $$`);
    const state = trustedStatement(
      "SELECT (SELECT count(*) FROM pg_prepared_statements) AS prepared, (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory') AS locks, current_setting('work_mem') AS work_mem, current_user AS who, current_setting('transaction_read_only') AS ro",
    );
    const clean = {
      prepared: 0,
      locks: 0,
      work_mem: expect.not.stringMatching(/^1234kB$/),
      who: 'mcp_readonly',
      ro: 'on',
    };
    expect((await engine.execute(await guard.check('SELECT poison(false) AS p'), limits)).rows).toEqual([{ p: 1 }]);
    expect((await engine.execute(state, limits)).rows).toEqual([clean]);
    await expect(engine.execute(await guard.check('SELECT poison(true) AS p'), limits)).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      data: { sqlstate: 'P0001' },
    });
    expect((await engine.execute(state, limits)).rows).toEqual([clean]);
  });

  it("reports an error's position in the caller's statement, not in the text wrapped around it", async () => {
    for (const sql of ['SELECT nope FROM customers', 'SELECT name FROM customers WHERE nope = $1']) {
      await expect(
        engine.execute(await guard.check(sql), { ...limits, params: sql.includes('$1') ? [1] : [] }),
      ).rejects.toMatchObject({ code: 'QUERY_FAILED', data: { sqlstate: '42703', position: sql.indexOf('nope') + 1 } });
    }
  });

  it('ends a runaway statement at its deadline and serves the next call from a fresh instance', async () => {
    const before = engine.restarts;
    const started = Date.now();
    await expect(
      engine.execute(await guard.check('SELECT count(*) FROM generate_series(1, 1000000000)'), {
        ...limits,
        timeoutMs: 1500,
      }),
    ).rejects.toMatchObject({
      code: 'QUERY_TIMEOUT',
    });
    // The deadline plus the exchange with the worker; generous because CI machines are shared.
    expect(Date.now() - started).toBeLessThan(1500 + 3000);
    expect(engine.restarts).toBe(before + 1);
    const next = await engine.execute(await guard.check('SELECT count(*) AS n FROM products'), limits);
    expect(next.rows).toEqual([{ n: 22 }]);
  });

  it('stops a running statement within a second of cancellation', async () => {
    const controller = new AbortController();
    const running = engine.execute(await guard.check('SELECT count(*) FROM generate_series(1, 1000000000)'), {
      ...limits,
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 300));
    const cancelledAt = Date.now();
    controller.abort('user pressed stop');
    await expect(running).rejects.toBeInstanceOf(QueryCancelledError);
    expect(Date.now() - cancelledAt).toBeLessThan(1000);
    expect((await engine.execute(await guard.check('SELECT 1 AS one'), limits)).rows).toEqual([{ one: 1 }]);
  });
});
