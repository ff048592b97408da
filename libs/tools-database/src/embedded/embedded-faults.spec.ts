// Issue 16 items 1, 3 and 4 on the embedded engine: the application's own rows survive a caller statement cut
// at its deadline or cancelled (in the default scratch directory and on the second process of a locked folder);
// the caller role's temp_file_limit applies and a cut statement leaves no temporary file; one caller's statements
// cannot keep another waiting past the queue's bound.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueryCancelledError } from '../errors';
import { createStatementGuard, trustedStatement } from '../guard/statement-guard';
import { createTestEmbeddedEngine } from '../spec-helpers/fixtures';
import { type EmbeddedEngine } from './embedded-engine';

jest.setTimeout(180_000);

const guard = createStatementGuard();
const limits = { maxRows: 100, maxBytes: 1_000_000, timeoutMs: 5000, tenantId: 'acme' };
// Runs far past any deadline without spilling: each side of the join is 30,000 rows (kept in memory), the join
// 900 million. A single generate_series of 10^9 rows is materialised to disk and can hit temp_file_limit (256MB)
// before the deadline, failing with QUERY_FAILED instead of QUERY_TIMEOUT.
const RUNAWAY = 'SELECT count(*) FROM generate_series(1, 30000) a CROSS JOIN generate_series(1, 30000) b';
// Spills to disk: a sort far larger than work_mem.
const SPILL = 'SELECT count(*) FROM (SELECT g FROM generate_series(1, 300000000) g ORDER BY g DESC) s';
const engines: EmbeddedEngine[] = [];
let dir: string;

function engine(overrides: Parameters<typeof createTestEmbeddedEngine>[0] = {}): EmbeddedEngine {
  const e = createTestEmbeddedEngine({ scratchParent: dir, ...overrides });
  engines.push(e);
  return e;
}

/** What SqlThreadStore and the task store do: a private schema of the application, written as the owner. */
async function writeState(e: EmbeddedEngine, id: number): Promise<void> {
  await e.sql.query('CREATE SCHEMA IF NOT EXISTS agent_mcp_state');
  await e.sql.query('CREATE TABLE IF NOT EXISTS agent_mcp_state.threads (id int PRIMARY KEY, title text)');
  await e.sql.query('INSERT INTO agent_mcp_state.threads VALUES ($1, $2)', [id, `thread ${id}`]);
}

async function stateIds(e: EmbeddedEngine): Promise<number[]> {
  const result = await e.sql.query<{ id: number }>('SELECT id FROM agent_mcp_state.threads ORDER BY id');
  return result.rows.map((r) => r.id);
}

function tempFiles(e: EmbeddedEngine): string[] {
  const tmp = path.join(e.directory as string, 'base', 'pgsql_tmp');
  return existsSync(tmp) ? readdirSync(tmp) : [];
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'embedded-faults-'));
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('the application state survives a cut caller statement', () => {
  it('in the default (no directory configured): deadline and cancellation', async () => {
    const e = engine();
    await writeState(e, 1);
    await expect(e.execute(await guard.check(RUNAWAY), { ...limits, timeoutMs: 500 })).rejects.toMatchObject({
      code: 'QUERY_TIMEOUT',
    });
    expect(e.restarts).toBe(1);
    expect(await stateIds(e)).toEqual([1]);
    await writeState(e, 2);

    const controller = new AbortController();
    const running = e.execute(await guard.check(RUNAWAY), { ...limits, signal: controller.signal });
    setTimeout(() => controller.abort('stop'), 300);
    await expect(running).rejects.toBeInstanceOf(QueryCancelledError);
    expect(e.restarts).toBe(2);
    expect(await stateIds(e)).toEqual([1, 2]);
    // The scratch directory is this process's, and goes with the engine.
    const scratch = e.directory as string;
    expect(path.dirname(scratch)).toBe(dir);
    await e.close();
    expect(existsSync(scratch)).toBe(false);
  });

  it('on the second process of a locked folder', async () => {
    const dataDir = path.join(dir, 'locked');
    const owner = engine({ dataDir });
    await owner.ready();
    const second = engine({ dataDir });
    await writeState(second, 7);
    expect(second.dataDirInUse).toBeUndefined();
    await expect(second.execute(await guard.check(RUNAWAY), { ...limits, timeoutMs: 500 })).rejects.toMatchObject({
      code: 'QUERY_TIMEOUT',
    });
    expect(await stateIds(second)).toEqual([7]);
  });
});

describe('bounded disk', () => {
  let e: EmbeddedEngine;
  beforeAll(() => {
    e = engine();
  });

  it("runs caller statements under the read-only role's temp_file_limit, which the caller cannot raise", async () => {
    const shown = await e.execute(await guard.check("SELECT current_setting('temp_file_limit') AS limit"), limits);
    expect(shown.rows).toEqual([{ limit: '256MB' }]);
    // The guard refuses set_config; sent past it, PostgreSQL refuses it to the role too.
    await expect(
      e.execute(trustedStatement("SELECT set_config('temp_file_limit', '-1', true)"), limits),
    ).rejects.toMatchObject({ code: 'QUERY_FAILED', data: { sqlstate: '42501' } });
  });

  it('leaves no temporary file behind a statement cut while it spilled', async () => {
    await expect(e.execute(await guard.check(SPILL), { ...limits, timeoutMs: 3000 })).rejects.toMatchObject({
      code: expect.stringMatching(/^QUERY_(TIMEOUT|FAILED)$/),
    });
    await e.ready();
    expect(tempFiles(e)).toEqual([]);
  });
});

describe('one caller cannot stall the others', () => {
  it('answers another principal busy within the queue bound while a statement runs to its deadline', async () => {
    const e = engine({ queueTimeoutMs: 800 });
    await e.ready();
    const abandoned = e.execute(await guard.check(RUNAWAY), { ...limits, timeoutMs: 4000, principal: 'a' });
    abandoned.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await expect(e.execute(await guard.check('SELECT 1 AS one'), { ...limits, principal: 'b' })).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      data: { busy: 'wait' },
    });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(750);
    expect(waited).toBeLessThan(800 + 1000);
    // The application's own statements are served before any waiting caller, right after the running one.
    await expect(abandoned).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
    expect((await e.sql.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it("refuses a principal's statements beyond its share at once, and serves the others", async () => {
    const e = engine({ perPrincipalStatements: 2 });
    await e.ready();
    // The guard refuses pg_sleep; a trusted statement stands in for a slow caller statement.
    const slow = trustedStatement('SELECT pg_sleep(0.5), 1 AS one');
    const mine = [1, 2].map(() => e.execute(slow, { ...limits, principal: 'greedy' }));
    const started = Date.now();
    await expect(e.execute(slow, { ...limits, principal: 'greedy' })).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      data: { busy: 'share' },
    });
    expect(Date.now() - started).toBeLessThan(100);
    const other = await e.execute(await guard.check('SELECT 2 AS two'), { ...limits, principal: 'polite' });
    expect(other.rows).toEqual([{ two: 2 }]);
    for (const call of mine) expect((await call).rows).toEqual([expect.objectContaining({ one: 1 })]);
  });
});
