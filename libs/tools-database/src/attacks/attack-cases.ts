/**
 * The attack suite's cases: writes, escapes from the read-only transaction, privilege grabs, pool poisoning,
 * resource exhaustion and injection, collected from the public record of database MCP servers (the
 * `COMMIT; DROP ...` escape of a reference Postgres MCP server, prompt injection through support-ticket text
 * that made an agent read secrets) and of PostgreSQL itself (file and program access through COPY and admin
 * functions, SQL run from strings, XXE, advisory locks and session settings that outlive a call).
 */
import { type GuardRule } from '../errors';

/** What must happen to a case. */
export type AttackExpectation =
  | { readonly refused: GuardRule }
  | { readonly failed: string }
  | { readonly invalid: true }
  /** Refused by the tool's input schema, before the guard. */
  | { readonly invalidArguments: true }
  | { readonly timeout: true }
  /** Stopped by a bound: the deadline, or the role's temp_file_limit (SQLSTATE 53400) when spilling is faster. */
  | { readonly cut: true }
  | { readonly truncated: 'rows' | 'bytes' }
  | { readonly rows: ReadonlyArray<Record<string, unknown>> }
  /** Either refused or failed, and nothing in the output may match. */
  | { readonly harmless: RegExp };

export interface AttackCase {
  readonly name: string;
  readonly sql: string;
  readonly params?: readonly unknown[];
  readonly expect: AttackExpectation;
}

/** Escaping the read-only transaction (the reference server's bug: its READ ONLY transaction was committed). */
const TRANSACTION_ESCAPES: readonly AttackCase[] = [
  {
    name: 'COMMIT then DROP (reference server escape)',
    sql: 'COMMIT; DROP TABLE canary',
    expect: { refused: 'single_statement' },
  },
  {
    name: 'COMMIT then DROP SCHEMA CASCADE',
    sql: 'COMMIT; DROP SCHEMA public CASCADE;',
    expect: { refused: 'single_statement' },
  },
  { name: 'ROLLBACK then DELETE', sql: 'ROLLBACK; DELETE FROM canary', expect: { refused: 'single_statement' } },
  { name: 'END then UPDATE', sql: "END; UPDATE canary SET secret = 'x'", expect: { refused: 'single_statement' } },
  {
    name: 'statement hidden after a line comment',
    sql: 'SELECT 1 --\n; DELETE FROM canary',
    expect: { refused: 'single_statement' },
  },
  { name: 'COMMIT alone', sql: 'COMMIT', expect: { refused: 'statement_type' } },
  { name: 'SET TRANSACTION READ WRITE', sql: 'SET TRANSACTION READ WRITE', expect: { refused: 'statement_type' } },
  {
    name: 'SET SESSION CHARACTERISTICS READ WRITE',
    sql: 'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE',
    expect: { refused: 'statement_type' },
  },
  {
    name: 'SET default_transaction_read_only off',
    sql: 'SET default_transaction_read_only = off',
    expect: { refused: 'statement_type' },
  },
  {
    name: 'set_config read-only off',
    sql: "SELECT set_config('transaction_read_only', 'off', true)",
    expect: { refused: 'denied_function' },
  },
];

/** Writes and DDL. */
const WRITES: readonly AttackCase[] = [
  { name: 'DELETE', sql: 'DELETE FROM canary', expect: { refused: 'statement_type' } },
  { name: 'UPDATE', sql: "UPDATE canary SET secret = 'pwned'", expect: { refused: 'statement_type' } },
  { name: 'INSERT', sql: "INSERT INTO canary (id, secret) VALUES (999, 'x')", expect: { refused: 'statement_type' } },
  { name: 'TRUNCATE', sql: 'TRUNCATE canary', expect: { refused: 'statement_type' } },
  { name: 'DROP TABLE', sql: 'DROP TABLE canary', expect: { refused: 'statement_type' } },
  { name: 'ALTER TABLE', sql: 'ALTER TABLE canary DROP COLUMN secret', expect: { refused: 'statement_type' } },
  {
    name: 'CREATE TEMP TABLE',
    sql: 'CREATE TEMP TABLE t AS SELECT * FROM canary',
    expect: { refused: 'statement_type' },
  },
  {
    name: 'CREATE FUNCTION',
    sql: "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'DELETE FROM canary RETURNING 1'",
    expect: { refused: 'statement_type' },
  },
  {
    name: 'MERGE',
    sql: 'MERGE INTO canary c USING (SELECT 1 AS id) s ON c.id = s.id WHEN MATCHED THEN DELETE',
    expect: { refused: 'statement_type' },
  },
  { name: 'SELECT INTO', sql: 'SELECT * INTO stolen FROM canary', expect: { refused: 'select_into' } },
  {
    name: 'DELETE in a CTE',
    sql: 'WITH d AS (DELETE FROM canary RETURNING *) SELECT count(*) FROM d',
    expect: { refused: 'data_modifying_cte' },
  },
  {
    name: 'UPDATE in a nested CTE',
    sql: "WITH a AS (SELECT 1), b AS (UPDATE canary SET secret = 'x' RETURNING id) SELECT * FROM a",
    expect: { refused: 'data_modifying_cte' },
  },
  {
    name: 'INSERT in a CTE',
    sql: "WITH i AS (INSERT INTO canary VALUES (1000, 'acme', 'x') RETURNING id) SELECT 1",
    expect: { refused: 'data_modifying_cte' },
  },
  {
    name: 'EXPLAIN ANALYZE executes DELETE',
    sql: 'EXPLAIN ANALYZE DELETE FROM canary',
    expect: { refused: 'explain_analyze' },
  },
  {
    name: 'EXPLAIN (ANALYZE) of a CTE with DELETE',
    sql: 'EXPLAIN (ANALYZE) WITH d AS (DELETE FROM canary RETURNING 1) SELECT 1',
    expect: { refused: 'explain_analyze' },
  },
  {
    name: 'EXPLAIN of an UPDATE',
    sql: "EXPLAIN UPDATE canary SET secret = 'x'",
    expect: { refused: 'statement_type' },
  },
  { name: 'FOR UPDATE row locks', sql: 'SELECT * FROM canary FOR UPDATE', expect: { refused: 'locking_clause' } },
  {
    name: 'FOR NO KEY UPDATE NOWAIT in a subquery',
    sql: 'SELECT * FROM (SELECT id FROM canary FOR NO KEY UPDATE NOWAIT) s',
    expect: { refused: 'locking_clause' },
  },
  { name: 'LOCK TABLE', sql: 'LOCK TABLE canary IN ACCESS EXCLUSIVE MODE', expect: { refused: 'statement_type' } },
];

/** Files and programs. `file` is the path no attack may create, quoted for SQL. */
function filesAndPrograms(file: string): readonly AttackCase[] {
  return [
    { name: 'COPY TO a file', sql: `COPY canary TO '${file}'`, expect: { refused: 'statement_type' } },
    {
      name: 'COPY TO PROGRAM',
      sql: `COPY (SELECT 1) TO PROGRAM 'touch ${file}'`,
      expect: { refused: 'statement_type' },
    },
    { name: 'COPY FROM a file', sql: "COPY canary FROM '/etc/passwd'", expect: { refused: 'statement_type' } },
    { name: 'pg_read_file', sql: "SELECT pg_read_file('/etc/passwd')", expect: { refused: 'denied_function' } },
    {
      name: 'pg_read_binary_file schema-qualified and upper case',
      sql: "SELECT PG_CATALOG.PG_READ_BINARY_FILE('/etc/passwd')",
      expect: { refused: 'denied_function' },
    },
    { name: 'pg_ls_dir in FROM', sql: "SELECT * FROM pg_ls_dir('/')", expect: { refused: 'denied_function' } },
    {
      name: 'pg_ls_dir in ROWS FROM',
      sql: "SELECT * FROM ROWS FROM (pg_ls_dir('.'))",
      expect: { refused: 'denied_function' },
    },
    { name: 'pg_stat_file', sql: "SELECT pg_stat_file('/etc/passwd')", expect: { refused: 'denied_function' } },
    { name: 'lo_import a server file', sql: "SELECT lo_import('/etc/passwd')", expect: { refused: 'denied_function' } },
    {
      name: 'lo_export to a server file',
      sql: `SELECT lo_export(1, '${file}')`,
      expect: { refused: 'denied_function' },
    },
    { name: 'lo_from_bytea', sql: "SELECT lo_from_bytea(0, 'x')", expect: { refused: 'denied_function' } },
    {
      name: 'file read hidden in a VALUES list',
      sql: "VALUES (1), (length(pg_read_file('/etc/passwd')))",
      expect: { refused: 'denied_function' },
    },
    {
      name: 'file read hidden in ORDER BY',
      sql: "SELECT id FROM canary ORDER BY pg_read_file('/etc/passwd')",
      expect: { refused: 'denied_function' },
    },
    {
      name: 'XML external entity',
      sql: `SELECT xmlparse(document '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')`,
      expect: { harmless: /root:/ },
    },
    { name: 'DO block', sql: "DO $$ BEGIN EXECUTE 'DROP TABLE canary'; END $$", expect: { refused: 'statement_type' } },
    { name: 'CALL', sql: 'CALL some_procedure()', expect: { refused: 'statement_type' } },
    { name: 'LOAD a library', sql: "LOAD '/tmp/evil.so'", expect: { refused: 'statement_type' } },
  ];
}

/** SQL run from strings, other connections. */
const DYNAMIC_SQL: readonly AttackCase[] = [
  {
    name: 'query_to_xml runs a string',
    sql: "SELECT query_to_xml('DELETE FROM canary RETURNING 1', true, false, '')",
    expect: { refused: 'denied_function' },
  },
  {
    name: 'ts_stat runs a string',
    sql: "SELECT * FROM ts_stat('SELECT to_tsvector(pg_read_file(''/etc/passwd''))')",
    expect: { refused: 'denied_function' },
  },
  {
    name: 'dblink to itself',
    sql: "SELECT * FROM dblink('dbname=postgres', 'DROP TABLE canary') AS t(x text)",
    expect: { refused: 'denied_function' },
  },
  {
    name: 'dblink_exec',
    sql: "SELECT dblink_exec('host=127.0.0.1', 'DROP TABLE canary')",
    expect: { refused: 'denied_function' },
  },
  { name: 'PREPARE', sql: 'PREPARE p AS DELETE FROM canary', expect: { refused: 'statement_type' } },
  { name: 'EXECUTE', sql: 'EXECUTE p', expect: { refused: 'statement_type' } },
];

/** Privileges and identity. */
const PRIVILEGE_GRABS: readonly AttackCase[] = [
  { name: 'SET ROLE', sql: 'SET ROLE postgres', expect: { refused: 'statement_type' } },
  { name: 'RESET ROLE', sql: 'RESET ROLE', expect: { refused: 'statement_type' } },
  {
    name: 'SET SESSION AUTHORIZATION',
    sql: 'SET SESSION AUTHORIZATION postgres',
    expect: { refused: 'statement_type' },
  },
  {
    name: 'set_config role',
    sql: "SELECT set_config('role', 'postgres', false)",
    expect: { refused: 'denied_function' },
  },
  { name: 'GRANT', sql: 'GRANT ALL ON canary TO PUBLIC', expect: { refused: 'statement_type' } },
  { name: 'ALTER ROLE superuser', sql: 'ALTER ROLE CURRENT_USER SUPERUSER', expect: { refused: 'statement_type' } },
  {
    name: 'ALTER SYSTEM',
    sql: "ALTER SYSTEM SET shared_preload_libraries = 'evil'",
    expect: { refused: 'statement_type' },
  },
  {
    name: 'password hashes in pg_authid',
    sql: 'SELECT rolname, rolpassword FROM pg_authid',
    expect: { failed: '42501' },
  },
  { name: 'password hashes in pg_shadow', sql: 'SELECT usename, passwd FROM pg_shadow', expect: { failed: '42501' } },
  { name: 'hba_file location', sql: 'SHOW hba_file', expect: { failed: '42501' } },
  {
    name: 'data_directory through current_setting',
    sql: "SELECT current_setting('data_directory')",
    expect: { failed: '42501' },
  },
  {
    name: 'terminate other backends',
    sql: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity',
    expect: { refused: 'denied_function' },
  },
  {
    name: 'cancel a backend',
    sql: 'SELECT pg_cancel_backend(pg_backend_pid())',
    expect: { refused: 'denied_function' },
  },
  { name: 'reload the configuration', sql: 'SELECT pg_reload_conf()', expect: { refused: 'denied_function' } },
];

/** Tenant isolation (row-level security by app.tenant_id). */
const TENANT_ESCAPES: readonly AttackCase[] = [
  {
    name: 'read another tenant by filter',
    sql: "SELECT count(*) AS n FROM customers WHERE tenant_id = 'globex'",
    expect: { rows: [{ n: 0 }] },
  },
  {
    name: 'switch tenant with set_config',
    sql: "SELECT set_config('app.tenant_id', 'globex', true)",
    expect: { refused: 'denied_function' },
  },
  {
    name: 'switch tenant with SET LOCAL',
    sql: "SET LOCAL app.tenant_id = 'globex'",
    expect: { refused: 'statement_type' },
  },
];

/** Pool poisoning: state that would outlive the call. */
const POOL_POISONING: readonly AttackCase[] = [
  { name: 'session advisory lock', sql: 'SELECT pg_advisory_lock(4242)', expect: { refused: 'denied_function' } },
  { name: 'try advisory lock', sql: 'SELECT pg_try_advisory_lock(4242)', expect: { refused: 'denied_function' } },
  {
    name: 'statement_timeout off for the session',
    sql: "SELECT set_config('statement_timeout', '0', false)",
    expect: { refused: 'denied_function' },
  },
  {
    name: 'cursor WITH HOLD',
    sql: 'DECLARE c CURSOR WITH HOLD FOR SELECT * FROM canary',
    expect: { refused: 'statement_type' },
  },
  { name: 'LISTEN', sql: 'LISTEN evil', expect: { refused: 'statement_type' } },
  { name: 'NOTIFY through pg_notify', sql: "SELECT pg_notify('evil', 'x')", expect: { refused: 'denied_function' } },
  { name: 'DISCARD', sql: 'DISCARD ALL', expect: { refused: 'statement_type' } },
  { name: 'sequence nextval', sql: "SELECT nextval('some_seq')", expect: { refused: 'denied_function' } },
];

/** Resource exhaustion. */
const RESOURCE_EXHAUSTION: readonly AttackCase[] = [
  { name: 'hundred million rows', sql: 'SELECT generate_series(1, 100000000) AS g', expect: { truncated: 'rows' } },
  { name: 'one huge value', sql: "SELECT repeat('x', 1000000) AS x", expect: { truncated: 'bytes' } },
  { name: 'sleep', sql: 'SELECT pg_sleep(3600)', expect: { refused: 'denied_function' } },
  { name: 'runaway count', sql: 'SELECT count(*) FROM generate_series(1, 100000000000)', expect: { cut: true } },
  {
    name: 'infinite recursive CTE',
    sql: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r',
    expect: { cut: true },
  },
  {
    name: 'statement longer than the limit',
    sql: `SELECT '${'x'.repeat(100_001)}'`,
    expect: { invalidArguments: true },
  },
  {
    name: 'NUL character hides a second statement from the parser',
    sql: 'SELECT 1\u0000; DROP TABLE canary',
    expect: { invalid: true },
  },
  { name: 'parser stack bomb', sql: `SELECT ${'('.repeat(20_000)}1${')'.repeat(20_000)}`, expect: { invalid: true } },
];

/** Injection. */
const INJECTION: readonly AttackCase[] = [
  {
    name: 'SQL injection through a parameter stays a value',
    sql: 'SELECT count(*) AS n FROM customers WHERE name = $1',
    params: ["x' OR '1'='1"],
    expect: { rows: [{ n: 0 }] },
  },
  {
    name: 'statement inside a comment is only a comment',
    sql: 'SELECT 1 AS one /* ; DROP TABLE canary */',
    expect: { rows: [{ one: 1 }] },
  },
  {
    name: 'statement inside dollar quotes is only a string',
    sql: 'SELECT $$; DROP TABLE canary; $$ AS s',
    expect: { rows: [{ s: '; DROP TABLE canary; ' }] },
  },
];

/** A path no attack may create; each run gets its own. */
export function attackCases(pwned: string): readonly AttackCase[] {
  const file = pwned.replace(/'/g, "''");
  return [
    ...TRANSACTION_ESCAPES,
    ...WRITES,
    ...filesAndPrograms(file),
    ...DYNAMIC_SQL,
    ...PRIVILEGE_GRABS,
    ...TENANT_ESCAPES,
    ...POOL_POISONING,
    ...RESOURCE_EXHAUSTION,
    ...INJECTION,
  ];
}
