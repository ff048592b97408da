// `sql_query` over Streamable HTTP on the two engines (issue 18 item 3): the embedded default (PGlite, the app
// started with no DATABASE_URL, as a new user runs it) beside PostgreSQL (DATABASE_URL, the read-only role of a
// scratch database), the same app at its defaults (request logs on), the sql peers' query, driven by wrk with unique
// ids, at c=1; an answer counts only when it is a result holding the query's last row. Beside them, the embedded
// row's floor: the same app's `echo` over HTTP at c=1 (the hop) plus PGlite in a worker thread running one call's
// whole text (src/embedded-floor.mjs).
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { readOnlyRoleSql, sampleDataSql } from '@agent-mcp/tools-database';
import { measureEmbeddedFloor } from './embedded-floor.mjs';
import { measureHttpStacks } from './http-bench.mjs';
import { REPO_ROOT } from './processes.mjs';
import { ADMIN_URL, asAdmin, withDatabase } from './sql-common.mjs';

const APP = resolve(REPO_ROOT, 'apps/http-server/dist/main.js');

export const SQL_HTTP_STACKS = [
  {
    key: 'sql_embedded',
    label: 'ours: apps/http-server sql_query, embedded engine (PGlite; no DATABASE_URL)',
    script: APP,
    // DIAGNOSTIC_TOOLS only adds `echo`: the HTTP hop of the floor, measured on this same process.
    env: { HOST: '127.0.0.1', DIAGNOSTIC_TOOLS: 'true' },
    session: true,
  },
  {
    key: 'sql_postgres',
    label: 'ours: apps/http-server sql_query, PostgreSQL (DATABASE_URL, read-only role)',
    script: APP,
    env: { HOST: '127.0.0.1' },
    session: true,
    methods: ['sql_query'],
  },
];

/**
 * Creates a scratch database and role for the PostgreSQL case, measures both stacks at c=1 (and the embedded row's
 * floor: `embeddedFloor.workerP50Ms`, with the hop in `sql_embedded['tools/call']`), drops it. Only c=1:
 * the embedded engine runs one statement at a time and refuses a caller who queues more than a few (one wrk
 * client is one caller), so higher concurrency would measure that refusal.
 */
export async function measureSqlHttp({ runs, seconds, warmupSeconds, log }) {
  const suffix = randomBytes(4).toString('hex');
  const database = `bench_sqlhttp_${suffix}`;
  const role = `bench_sqlhttp_ro_${suffix}`;
  await asAdmin(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${database}`));
  try {
    await asAdmin(withDatabase(ADMIN_URL, database), async (c) => {
      await c.query(sampleDataSql());
      await c.query(readOnlyRoleSql({ role }));
    });
    const url = withDatabase(ADMIN_URL, database, role);
    const stacks = SQL_HTTP_STACKS.map((s) =>
      s.key === 'sql_postgres' ? { ...s, env: { ...s.env, DATABASE_URL: url } } : s,
    );
    const measured = await measureHttpStacks(stacks, {
      concurrencies: [1],
      methods: ['sql_query', 'tools/call'],
      runs,
      seconds,
      warmupSeconds,
      log,
    });
    const worker = await measureEmbeddedFloor();
    log(`  PGlite worker round trip with one call's exec: p50 ${worker.p50Ms.toFixed(3)} ms`);
    return { ...measured, embeddedFloor: { workerP50Ms: worker.p50Ms, workerMinMs: worker.minMs } };
  } finally {
    await asAdmin(ADMIN_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
    });
  }
}
