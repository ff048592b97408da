// sql_query round trip over MCP (JSON-RPC over in-process stdio pipes, the guard, the pipelined read-only
// transaction, rollback and reset) beside the same query through a raw `pg` pool, on the same PostgreSQL, at
// concurrency 1 and 16. Not part of the tests. Needs the built library (`npx nx build tools-database`) and a
// server (default postgres://postgres@127.0.0.1:5432, trust auth); it creates and drops its own database.
//
//   node libs/tools-database/bench/sql-query-bench.mjs [--duration 5] [--sql "SELECT ..."]
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createRequire } from 'node:module';
import { noopLogger } from '@agent-mcp/context';
import { McpServer, serveStdio } from '@agent-mcp/mcp-core';
import { createDatabaseTools, parseDatabaseConfig, readOnlyRoleSql, sampleDataSql } from '../dist/index.js';

const require = createRequire(import.meta.url);
const pg = require('pg');

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const DURATION_MS = Number(arg('duration', '5')) * 1000;
const SQL = arg('sql', 'SELECT id, name, country, tier FROM customers WHERE id = $1');
const ADMIN = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(url, fn) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function withDb(url, db, user) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  if (user) u.username = user;
  return u.toString();
}

/** A JSON-RPC client over the pipes; answers are matched by id so concurrent calls interleave. */
async function mcpClient(server) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const connection = serveStdio(server, { stdin, stdout });
  const waiting = new Map();
  let buffer = '';
  stdout.on('data', (chunk) => {
    buffer += chunk;
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const m = JSON.parse(line);
      if (m.id !== undefined && waiting.has(m.id)) {
        waiting.get(m.id)(m);
        waiting.delete(m.id);
      }
    }
  });
  let id = 0;
  const request = (method, params) =>
    new Promise((resolve) => {
      const n = ++id;
      waiting.set(n, resolve);
      stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: n, method, params })}\n`);
    });
  await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
  stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  return { request, close: () => connection.close() };
}

async function measure(name, concurrency, once) {
  // Warm-up: connections, plans, the guard's verdict cache.
  const warm = Date.now();
  while (Date.now() - warm < 500) await Promise.all(Array.from({ length: concurrency }, (_, i) => once(i)));
  const latencies = [];
  const end = Date.now() + DURATION_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; Date.now() < end; i += concurrency) {
        const t = performance.now();
        await once(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { name, concurrency, calls: latencies.length, throughput: latencies.length / seconds, p50: q(0.5), p99: q(0.99), mean: latencies.reduce((a, b) => a + b, 0) / latencies.length };
}

const suffix = randomBytes(4).toString('hex');
const db = `bench_${suffix}`;
const role = `bench_ro_${suffix}`;
await admin(ADMIN, (c) => c.query(`CREATE DATABASE ${db}`));
try {
  await admin(withDb(ADMIN, db), async (c) => {
    await c.query(sampleDataSql());
    await c.query(readOnlyRoleSql({ role }));
  });
  const roUrl = withDb(ADMIN, db, role);
  // Raw pg sees the same tenant's rows as the tools' anonymous caller.
  const raw = new pg.Pool({ connectionString: roUrl, max: 16, options: '-c app.tenant_id=acme' });
  const config = parseDatabaseConfig({ DATABASE_URL: roUrl, DATABASE_POOL_MAX: '16' });
  const tools = createDatabaseTools({ config, env: {} });
  const server = new McpServer({ name: 'bench', version: '1', logger: noopLogger });
  tools.register(server);
  const client = await mcpClient(server);

  const rawOnce = (i) => raw.query(SQL, [1 + (i % 120)]);
  const mcpOnce = async (i) => {
    const r = await client.request('tools/call', { name: 'sql_query', arguments: { sql: SQL, params: [1 + (i % 120)] } });
    if (r.error || r.result.isError) throw new Error(JSON.stringify(r));
  };

  const results = [];
  for (const c of [1, 16]) {
    results.push(await measure('raw pg', c, rawOnce));
    results.push(await measure('sql_query over MCP', c, mcpOnce));
  }
  const fmt = (n) => n.toFixed(3).padStart(8);
  console.log(`sql: ${SQL}\nduration per run: ${DURATION_MS / 1000} s, PostgreSQL ${ADMIN.replace(/\/\/[^@]*@/, '//')}\n`);
  console.log('case                   c   calls    req/s   p50 ms   p99 ms  mean ms');
  for (const r of results) console.log(`${r.name.padEnd(20)} ${String(r.concurrency).padStart(3)} ${String(r.calls).padStart(7)} ${r.throughput.toFixed(0).padStart(8)} ${fmt(r.p50)} ${fmt(r.p99)} ${fmt(r.mean)}`);
  for (const c of [1, 16]) {
    const [a, b] = results.filter((r) => r.concurrency === c);
    console.log(`c=${c}: sql_query/raw latency (p50) ${(b.p50 / a.p50).toFixed(2)}x, throughput raw/sql_query ${(a.throughput / b.throughput).toFixed(2)}x (target <= 1.3x)`);
  }
  client.close();
  await tools.close();
  await raw.end();
} finally {
  await admin(ADMIN, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
}
