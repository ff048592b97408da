// The embedded engine (PGlite in a worker thread): the read-only transaction, caps, the deadline that ends
// the worker (PGlite ignores statement_timeout), cancellation, and that no session state survives a call.
import { CancelledError } from '@agent-mcp/mcp-core';
import { trustedStatement } from '../guard/statement-guard';
import { createStatementGuard } from '../guard/statement-guard';
import { createTestEmbeddedEngine } from '../spec-helpers/fixtures';

jest.setTimeout(180_000);

const guard = createStatementGuard();
const engine = createTestEmbeddedEngine();
const limits = { maxRows: 100, maxBytes: 1_000_000, timeoutMs: 5000, tenantId: 'acme' };

beforeAll(() => engine.ready());
afterAll(() => engine.close());

describe('embedded engine', () => {
  it('answers a SELECT with JSON values, scoped to the tenant by row-level security', async () => {
    const result = await engine.execute(await guard.check('SELECT tenant_id, count(*) AS n, sum(total) AS revenue, bool_and(true) AS ok FROM orders GROUP BY 1'), limits);
    expect(result.columns).toEqual([
      { name: 'tenant_id', type: 'text' },
      { name: 'n', type: 'int8' },
      { name: 'revenue', type: 'numeric' },
      { name: 'ok', type: 'bool' },
    ]);
    expect(result.rows).toEqual([{ tenant_id: 'acme', n: 600, revenue: expect.any(Number), ok: true }]);
    const globex = await engine.execute(await guard.check('SELECT count(*) AS n FROM customers'), { ...limits, tenantId: 'globex' });
    expect(globex.rows).toEqual([{ n: 80 }]);
  });

  it('binds parameters through the extended protocol', async () => {
    const result = await engine.execute(await guard.check('SELECT name FROM customers WHERE id = $1'), { ...limits, params: [1] });
    expect(result.rows).toEqual([{ name: expect.any(String) }]);
  });

  it('caps rows and bytes and says so', async () => {
    const rows = await engine.execute(await guard.check('SELECT g FROM generate_series(1, 100000) g'), { ...limits, maxRows: 10 });
    expect(rows).toMatchObject({ rowCount: 10, truncated: true, truncatedBy: 'rows' });
    const bytes = await engine.execute(await guard.check("SELECT repeat('x', 1000) AS x FROM generate_series(1, 50)"), { ...limits, maxBytes: 5000 });
    expect(bytes).toMatchObject({ rowCount: 5, truncated: true, truncatedBy: 'bytes' });
  });

  it('refuses writes inside its read-only transaction, as the read-only role', async () => {
    await expect(engine.execute(trustedStatement('DELETE FROM canary'), limits)).rejects.toMatchObject({ code: 'QUERY_FAILED', data: { sqlstate: '25006' } });
    const who = await engine.execute(trustedStatement('SELECT current_user AS who'), limits);
    expect(who.rows).toEqual([{ who: 'mcp_readonly' }]);
  });

  it('leaves no setting or advisory lock behind for the next call', async () => {
    await engine.execute(trustedStatement("SELECT set_config('work_mem', '1234kB', false), pg_advisory_lock(42)"), limits);
    const after = await engine.execute(
      trustedStatement("SELECT current_setting('work_mem') AS work_mem, (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory') AS locks, current_user AS who"),
      limits,
    );
    expect(after.rows).toEqual([{ work_mem: expect.not.stringMatching(/^1234kB$/), locks: 0, who: 'mcp_readonly' }]);
  });

  it('ends a runaway statement at its deadline and serves the next call from a fresh instance', async () => {
    const before = engine.restarts;
    const started = Date.now();
    await expect(engine.execute(await guard.check('SELECT count(*) FROM generate_series(1, 1000000000)'), { ...limits, timeoutMs: 1500 })).rejects.toMatchObject({
      code: 'QUERY_TIMEOUT',
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(engine.restarts).toBe(before + 1);
    const next = await engine.execute(await guard.check('SELECT count(*) AS n FROM canary'), limits);
    expect(next.rows).toEqual([{ n: 100 }]);
  });

  it('stops a running statement within a second of cancellation', async () => {
    const controller = new AbortController();
    const running = engine.execute(await guard.check('SELECT count(*) FROM generate_series(1, 1000000000)'), { ...limits, timeoutMs: 60_000, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    const cancelledAt = Date.now();
    controller.abort('user pressed stop');
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - cancelledAt).toBeLessThan(1000);
    expect((await engine.execute(await guard.check('SELECT 1 AS one'), limits)).rows).toEqual([{ one: 1 }]);
  });

  it('reports a least-privileged role', async () => {
    expect(await engine.auditRole()).toEqual({ role: 'mcp_readonly', problems: [] });
  });
});
