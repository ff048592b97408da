// `sql_query` beside raw `pg`, on the same PostgreSQL server and the same query, in one run (issue 5's speed
// target): raw pg is a pool in this process; `sql_query` is a tools/call to the real stdio-server app over its
// stdin/stdout (what a desktop client sees), and, to tell our code from the process hop, the same tool on an
// McpServer in this process over in-memory pipes. The same app's `echo` tool (no database) measures the MCP
// hop alone: raw pg's latency plus echo's is the floor under any stdio `sql_query`. Each case runs at 1 and 16
// calls in flight; the cases take turns run by run, so a burst of load elsewhere hits them all alike.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { noopLogger } from '@agent-mcp/context';
import { McpServer, serveStdio } from '@agent-mcp/mcp-core';
import { createDatabaseTools, parseDatabaseConfig, readOnlyRoleSql, sampleDataSql } from '@agent-mcp/tools-database';
import { REPO_ROOT, spawnNode, stop } from './processes.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');

export const SQL_CASES = [
  { key: 'raw', label: 'raw pg pool (this process)' },
  { key: 'stdio', label: 'sql_query: apps/stdio-server over stdio' },
  { key: 'inprocess', label: 'sql_query: McpServer in this process' },
  { key: 'echo', label: 'echo tools/call on the same stdio app (no database: the MCP hop alone)' },
];
const QUERY = 'SELECT id, name, country, tier FROM customers WHERE id = $1';
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url, database, user) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) u.username = user;
  return u.toString();
}

async function asAdmin(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A newline-delimited JSON-RPC client over a pair of streams; answers matched by id, each wait bounded. */
function jsonRpcClient(input, output) {
  const waiting = new Map();
  let buffer = '';
  output.setEncoding('utf8');
  output.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      const settle = waiting.get(message.id);
      if (settle) {
        waiting.delete(message.id);
        settle(message);
      }
    }
  });
  let id = 0;
  const request = (method, params) =>
    new Promise((resolveAnswer, reject) => {
      const n = ++id;
      const timer = setTimeout(() => {
        waiting.delete(n);
        reject(new Error(`no answer to ${method} within 10 s`));
      }, 10_000);
      waiting.set(n, (message) => {
        clearTimeout(timer);
        resolveAnswer(message);
      });
      input.write(`${JSON.stringify({ jsonrpc: '2.0', id: n, method, params })}\n`);
    });
  return {
    request,
    async initialize() {
      await request('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'agent-mcp-bench', version: '0.1.0' },
      });
      input.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    },
    async sqlQuery(i) {
      const answer = await request('tools/call', {
        name: 'sql_query',
        arguments: { sql: QUERY, params: [1 + (i % 120)] },
      });
      if (answer.error || answer.result?.isError)
        throw new Error(`sql_query failed: ${JSON.stringify(answer).slice(0, 500)}`);
    },
    async echo() {
      const answer = await request('tools/call', { name: 'echo', arguments: { message: 'hello' } });
      if (answer.error || answer.result?.isError)
        throw new Error(`echo failed: ${JSON.stringify(answer).slice(0, 500)}`);
    },
  };
}

/** CPU time (user + system) of a process in ms, from /proc; undefined where there is none (not Linux, not local). */
function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
// USER_HZ: 100 on every Linux the bench runs on (`getconf CLK_TCK`).
const CLOCK_TICKS = 100;

/**
 * Where the CPU of a case goes: the bench process itself (raw pg's client, the JSON-RPC driver, and the
 * in-process server), the stdio app, and every PostgreSQL backend of the bench's database (the other cases'
 * connections sit idle meanwhile). Sampled before and after the timed part of a measurement.
 */
function cpuSampler(admin, database, appPid) {
  const sample = async () => {
    const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
    const backends = rows.map((r) => [r.pid, processCpuMs(r.pid)]);
    const usage = process.cpuUsage();
    return { bench: (usage.user + usage.system) / 1000, app: processCpuMs(appPid), backends: new Map(backends) };
  };
  return {
    sample,
    /** CPU microseconds per call between two samples, by process kind; null where it could not be read. */
    perCall(before, after, calls) {
      const us = (ms) =>
        ms === undefined || !Number.isFinite(ms) || !calls ? null : Math.round((ms * 1000 * 10) / calls) / 10;
      let postgres = 0;
      let known = after.backends.size > 0;
      for (const [pid, ms] of after.backends) {
        if (ms === undefined) known = false;
        else postgres += ms - (before.backends.get(pid) ?? 0);
      }
      return {
        bench: us(after.bench - before.bench),
        app: us(after.app - before.app),
        postgres: known ? us(postgres) : null,
      };
    },
  };
}

/** `concurrency` loops calling `once` for `seconds` after a warm-up; latency percentiles, calls/s and CPU per call. */
async function measure(once, { concurrency, seconds, warmupSeconds, cpu }) {
  const warmEnd = Date.now() + warmupSeconds * 1000;
  while (Date.now() < warmEnd) await Promise.all(Array.from({ length: concurrency }, (_, i) => once(i)));
  const cpuBefore = await cpu.sample();
  const latencies = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; Date.now() < end; i += concurrency) {
        const t = performance.now();
        try {
          await once(i);
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuUsPerCall = cpu.perCall(cpuBefore, await cpu.sample(), latencies.length);
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    calls: latencies.length,
    errors,
    callsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    cpuUsPerCall,
  };
}

const medianBy = (runs, key) => [...runs].sort((a, b) => a[key] - b[key])[Math.floor(runs.length / 2)];

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
