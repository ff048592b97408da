// The statement guard (layer 1): parsing with the real PostgreSQL parser, the allowlist, the deny list of
// functions, exactly one statement, and refusals that name their rule. Nothing here touches a database.
import { SqlRefusedError } from '../errors';
import { createStatementGuard, CURSOR_NAME } from './statement-guard';

const guard = createStatementGuard();

async function refusal(sql: string): Promise<string> {
  try {
    await guard.check(sql);
  } catch (error) {
    if (error instanceof SqlRefusedError) return error.rule;
    return `error:${(error as { code?: string }).code}`;
  }
  return 'accepted';
}

describe('statement guard: accepted statements', () => {
  it.each([
    'SELECT 1',
    'select id, name from customers where tenant_id = $1 order by id limit 10',
    'WITH t AS (SELECT 1 AS x) SELECT x FROM t',
    'VALUES (1, $$a$$), (2, $$b$$)',
    'SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.country HAVING count(*) > 1',
    'EXPLAIN SELECT * FROM orders',
    'EXPLAIN (FORMAT JSON, COSTS false) SELECT 1',
    'SHOW search_path',
    "SELECT jsonb_build_object('a', 1) -> 'a', now(), current_user, 'x'::regclass",
    'SELECT 1;',
    'SELECT lo_amount FROM t -- a column named like a denied prefix is fine',
  ])('accepts %s', async (sql) => {
    expect(await refusal(sql)).toBe('accepted');
  });

  it('sends a SELECT alone (a cursor declaration only for engines that page with one) and keeps EXPLAIN and SHOW as they are', async () => {
    const select = await guard.check('SELECT 1 AS x; -- trailing comment');
    expect(select.kind).toBe('select');
    expect(select.text).toBe('SELECT 1 AS x');
    expect(select.cursorText).toBe(`DECLARE ${CURSOR_NAME} NO SCROLL CURSOR FOR\nSELECT 1 AS x\n`);
    expect((await guard.check('SHOW work_mem')).kind).toBe('show');
    expect((await guard.check('EXPLAIN SELECT 1')).text).toBe('EXPLAIN SELECT 1');
  });

  it('counts the parameters a statement uses', async () => {
    expect((await guard.check('SELECT $2::int + $1::int')).parameterCount).toBe(2);
  });

  it('slices by byte offsets, so text after multi-byte characters is kept whole', async () => {
    const checked = await guard.check("SELECT 'héllo ✓' AS greeting;");
    expect(checked.text).toBe("SELECT 'héllo ✓' AS greeting");
    expect(checked.cursorText).toContain("SELECT 'héllo ✓' AS greeting\n");
  });
});

describe('statement guard: refusals name their rule', () => {
  it.each([
    ['SELECT 1; DROP TABLE customers', 'single_statement'],
    ['COMMIT; DROP TABLE customers', 'single_statement'],
    ['', 'empty_statement'],
    ['-- only a comment', 'empty_statement'],
    ['DROP TABLE customers', 'statement_type'],
    ['INSERT INTO t VALUES (1)', 'statement_type'],
    ['UPDATE t SET x = 1', 'statement_type'],
    ['DELETE FROM t', 'statement_type'],
    ["COPY t TO '/tmp/x'", 'statement_type'],
    ["COPY (SELECT 1) TO PROGRAM 'id'", 'statement_type'],
    ['DO $$ BEGIN PERFORM 1; END $$', 'statement_type'],
    ['SET ROLE postgres', 'statement_type'],
    ['RESET ROLE', 'statement_type'],
    ['SET SESSION AUTHORIZATION postgres', 'statement_type'],
    ['COMMIT', 'statement_type'],
    ['BEGIN', 'statement_type'],
    ['PREPARE p AS SELECT 1', 'statement_type'],
    ['LISTEN x', 'statement_type'],
    ['LOCK TABLE t', 'statement_type'],
    ['CALL p()', 'statement_type'],
    ['CREATE TEMP TABLE t (x int)', 'statement_type'],
    ['CREATE TABLE t AS SELECT 1', 'statement_type'],
    ['ALTER SYSTEM SET work_mem = 1', 'statement_type'],
    ['DECLARE c CURSOR WITH HOLD FOR SELECT 1', 'statement_type'],
    ['SELECT 1 INTO TABLE t', 'select_into'],
    ['SELECT * FROM t FOR UPDATE', 'locking_clause'],
    ['SELECT * FROM t FOR SHARE SKIP LOCKED', 'locking_clause'],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 'data_modifying_cte'],
    ['WITH i AS (INSERT INTO t VALUES (1) RETURNING *) SELECT 1', 'data_modifying_cte'],
    ['EXPLAIN ANALYZE SELECT 1', 'explain_analyze'],
    ['EXPLAIN (ANALYZE false) SELECT 1', 'explain_analyze'],
    ['EXPLAIN ANALYZE DELETE FROM t', 'explain_analyze'],
    ['EXPLAIN DELETE FROM t', 'statement_type'],
    ['EXPLAIN (BUFFERS, SERIALIZE) SELECT 1', 'explain_option'],
    ["SELECT pg_read_file('/etc/passwd')", 'denied_function'],
    ["SELECT pg_catalog.PG_READ_BINARY_FILE('/etc/passwd')", 'denied_function'],
    ["SELECT * FROM pg_ls_dir('.')", 'denied_function'],
    ["SELECT lo_import('/etc/passwd')", 'denied_function'],
    ["SELECT lo_export(1, '/tmp/x')", 'denied_function'],
    ["SELECT * FROM dblink('host=evil', 'select 1') AS t(x int)", 'denied_function'],
    ['SELECT pg_terminate_backend(1)', 'denied_function'],
    ['SELECT pg_cancel_backend(1)', 'denied_function'],
    ['SELECT pg_advisory_lock(1)', 'denied_function'],
    ['SELECT pg_try_advisory_xact_lock(1)', 'denied_function'],
    ["SELECT set_config('role', 'postgres', false)", 'denied_function'],
    ["SELECT \"set_config\"('statement_timeout', '0', false)", 'denied_function'],
    ["SELECT nextval('s')", 'denied_function'],
    ['SELECT pg_sleep(10)', 'denied_function'],
    ["SELECT query_to_xml('delete from t', true, false, '')", 'denied_function'],
    ["SELECT ts_stat('select 1')", 'denied_function'],
    ['SELECT pg_reload_conf()', 'denied_function'],
    ["SELECT 1 WHERE EXISTS (SELECT pg_read_file('x'))", 'denied_function'],
    ["SELECT (SELECT 1 UNION SELECT length(pg_read_file('x')))", 'denied_function'],
    ['SELECT * FROM t ORDER BY pg_advisory_lock(1)', 'denied_function'],
    ['SELECT 1 FROM (SELECT 1) s, LATERAL (SELECT 1 FROM t FOR UPDATE) l', 'locking_clause'],
  ])('refuses %s with %s', async (sql, rule) => {
    expect(await refusal(sql)).toBe(rule);
  });

  it('says which rule refused and that nothing ran', async () => {
    await expect(guard.check('SELECT 1; DROP TABLE customers')).rejects.toThrow(
      'Refused by rule single_statement: exactly one statement is allowed, got 2. Nothing was executed.',
    );
    await expect(guard.check("SELECT pg_read_file('/etc/passwd')")).rejects.toMatchObject({
      code: 'SQL_REFUSED',
      data: { rule: 'denied_function' },
    });
  });

  it('reports SQL that does not parse with its position', async () => {
    await expect(guard.check('SELEC 1')).rejects.toMatchObject({ code: 'SQL_INVALID', data: { position: 1 } });
  });

  it('refuses a NUL character, behind which the parser would see nothing', async () => {
    await expect(guard.check('SELECT 1\u0000; DROP TABLE customers')).rejects.toMatchObject({
      code: 'SQL_INVALID',
      data: { position: 9 },
    });
  });

  it('refuses statements over the length limit before parsing them', async () => {
    const small = createStatementGuard({ maxLength: 20 });
    await expect(small.check(`SELECT '${'x'.repeat(50)}'`)).rejects.toMatchObject({ rule: 'too_long' });
  });

  it('remembers verdicts, refusals included', async () => {
    const g = createStatementGuard({ cacheSize: 2 });
    const first = g.check('SELECT 1');
    expect(g.check('SELECT 1')).toBe(first);
    await expect(g.check('DROP TABLE t')).rejects.toBeInstanceOf(SqlRefusedError);
    await expect(g.check('DROP TABLE t')).rejects.toBeInstanceOf(SqlRefusedError);
  });

  it('keys verdicts by the exact text, so an accepted statement changed by one character is checked again', async () => {
    const g = createStatementGuard({ cacheSize: 10 });
    await expect(g.check('SELECT id FROM customers')).resolves.toMatchObject({ kind: 'select' });
    await expect(g.check('SELECT id FROM customers;DROP TABLE customers')).rejects.toMatchObject({
      rule: 'single_statement',
    });
    await expect(g.check('SELECT id FROM customers FOR UPDATE')).rejects.toMatchObject({ rule: 'locking_clause' });
    await expect(g.check('SELECT id FROM customerS')).resolves.toMatchObject({ text: 'SELECT id FROM customerS' });
  });

  it('keeps at most cacheSize verdicts, evicting the least recently used', async () => {
    const g = createStatementGuard({ cacheSize: 2 });
    const one = g.check('SELECT 1');
    const two = g.check('SELECT 2');
    expect(g.check('SELECT 1')).toBe(one); // now the most recently used
    g.check('SELECT 3'); // evicts SELECT 2
    expect(g.check('SELECT 1')).toBe(one);
    expect(g.check('SELECT 2')).not.toBe(two);
  });
});

describe('statement guard: the cursor wrapper', () => {
  it('accepts statements whose tree carries position fields besides location (IN lists)', async () => {
    expect(await refusal("SELECT 1 WHERE 'a' NOT IN ('', 'b') AND 2 IN (1, 2)")).toBe('accepted');
  });
});
