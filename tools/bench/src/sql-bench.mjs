// `sql_query` beside raw `pg`, on the same PostgreSQL server and the same query, in one run (issue 5's speed
// target): raw pg is a pool in this process; `sql_query` is a tools/call to the real stdio-server app over its
// stdin/stdout (what a desktop client sees), and, to tell our code from the process hop, the same tool on an
// McpServer in this process over in-memory pipes. The same app's `echo` tool (no database) measures the MCP
// hop alone: raw pg's latency plus echo's is the floor under any stdio `sql_query`. Each case runs at 1 and 16
// calls in flight; the cases take turns run by run, so a burst of load elsewhere hits them all alike.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { noopLogger } from '@agent-mcp/context';
import { McpServer, serveStdio } from '@agent-mcp/mcp-core';
import { createDatabaseTools, parseDatabaseConfig, readOnlyRoleSql, sampleDataSql } from '@agent-mcp/tools-database';
import { REPO_ROOT, spawnNode, stop } from './processes.mjs';
import {
  ADMIN_URL,
  asAdmin,
  cpuSampler,
  jsonRpcClient,
  measure,
  medianBy,
  QUERY,
  withDatabase,
} from './sql-common.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');

export const SQL_CASES = [
  { key: 'raw', label: 'raw pg pool (this process)' },
  { key: 'stdio', label: 'sql_query: apps/stdio-server over stdio' },
  { key: 'inprocess', label: 'sql_query: McpServer in this process' },
  { key: 'echo', label: 'echo tools/call on the same stdio app (no database: the MCP hop alone)' },
];

/**
 * Creates a database with the sample data and the read-only role, measures every case at c=1 and c=16
 * (median of `runs` by calls/s), and drops the database again.
 */
export async function measureSqlQuery({ runs, seconds, warmupSeconds, log }) {
  const suffix = randomBytes(4).toString('hex');
  const database = `bench_sql_${suffix}`;
  const role = `bench_ro_${suffix}`;
  await asAdmin(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${database}`));
  const closers = [];
  try {
    await asAdmin(withDatabase(ADMIN_URL, database), async (c) => {
      await c.query(sampleDataSql());
      await c.query(readOnlyRoleSql({ role }));
    });
    const url = withDatabase(ADMIN_URL, database, role);

    // Raw pg sees the same tenant's rows as the tools' local, anonymous caller.
    const raw = new pg.Pool({ connectionString: url, max: 16, options: '-c app.tenant_id=acme' });
    // pg-pool's end() resolves once its clients are told to end, not once they have: the DROP ... WITH (FORCE)
    // below can still terminate one, whose error the pool re-emits, and with no listener that ended the bench.
    raw.on('error', () => undefined);
    closers.push(() => raw.end());

    const env = {
      DATABASE_URL: url,
      DATABASE_POOL_MAX: '16',
      LOG_LEVEL: 'warning',
      DATABASE_TOOLS: 'auto',
      DIAGNOSTIC_TOOLS: 'true',
    };
    // BENCH_SQL_APP_NODE_ARGS (space-separated) reaches the app's node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
    // to profile it under exactly this load.
    const nodeArgs = (process.env.BENCH_SQL_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawnNode(resolve(REPO_ROOT, 'apps/stdio-server/dist/main.js'), {
      env,
      nodeArgs,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    closers.push(() => stop(child));
    const app = jsonRpcClient(child.stdin, child.stdout);
    await app.initialize();

    const tools = createDatabaseTools({
      config: parseDatabaseConfig({ DATABASE_URL: url, DATABASE_POOL_MAX: '16' }),
      env: {},
    });
    closers.push(() => tools.close());
    const server = new McpServer({ name: 'bench', version: '0.1.0', logger: noopLogger });
    tools.register(server);
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const connection = serveStdio(server, { stdin: toServer, stdout: fromServer });
    closers.push(() => connection.close());
    const inProcess = jsonRpcClient(toServer, fromServer);
    await inProcess.initialize();

    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    closers.push(() => admin.end());
    const cpu = cpuSampler(admin, database, child.pid);

    const onceFor = {
      raw: (i) => raw.query(QUERY, [1 + (i % 120)]),
      stdio: (i) => app.sqlQuery(i),
      inprocess: (i) => inProcess.sqlQuery(i),
      echo: () => app.echo(),
    };
    const results = {};
    for (const concurrency of [1, 16]) {
      const measured = Object.fromEntries(SQL_CASES.map(({ key }) => [key, []]));
      for (let run = 0; run < runs; run++) {
        for (const { key } of SQL_CASES)
          measured[key].push(await measure(onceFor[key], { concurrency, seconds, warmupSeconds, cpu }));
      }
      for (const { key, label } of SQL_CASES) {
        const chosen = medianBy(measured[key], 'callsPerSecond');
        const c = chosen.cpuUsPerCall;
        log(
          `  ${label} c=${concurrency}: ${chosen.callsPerSecond} calls/s, p50 ${chosen.p50Ms.toFixed(3)} ms; CPU us/call: PostgreSQL ${c.postgres}, stdio app ${key === 'stdio' || key === 'echo' ? c.app : '-'}, bench process ${c.bench}`,
        );
        (results[key] ??= {})[concurrency] = { ...chosen, errors: measured[key].reduce((n, r) => n + r.errors, 0) };
      }
    }
    return { query: QUERY, results };
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    await asAdmin(ADMIN_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
    });
  }
}
