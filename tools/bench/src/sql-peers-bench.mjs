// `sql_query` beside the database MCP servers users pick instead (issue 18): `@modelcontextprotocol/server-postgres`
// 0.6.2 (`query`: BEGIN READ ONLY, the statement, ROLLBACK; SDK v1) and `@bytebase/dbhub` 1.4.0 (`execute_sql`,
// read-only through a dbhub.toml `[[tools]]` entry; SDK v2), with raw pg and our own `echo` as the floor. Every
// server runs over stdio at its defaults on the repository's Node, driven by the same plain JSON-RPC client (one id
// per request), on the same PostgreSQL, database, read-only role and query. Each answer is checked: an error, an
// `isError` result or a result without the query's ten rows counts as an error, not as a call. The peers are
// installed by the bench (`npm ci` of the pinned `peers/lock.json` into a cache folder), never as the workspace's
// dependencies. Cases take turns within each round, starting one later each round, so load elsewhere hits all alike.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readOnlyRoleSql, sampleDataSql } from '@agent-mcp/tools-database';
import { BENCH_DIR, REPO_ROOT, spawnNode, stop } from './processes.mjs';
import { ADMIN_URL, asAdmin, cpuSampler, jsonRpcClient, measure, medianBy, withDatabase } from './sql-common.mjs';
import { safetyCallText } from './sql-safety.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');

/** The query of issue 18's comparison: no table, no parameter, ten rows of two columns. */
export const PEERS_QUERY = 'SELECT n, n * 2 AS twice FROM generate_series(1, 10) n';

export const SQL_PEER_CASES = [
  { key: 'raw', label: 'raw pg pool (this process; the floor without MCP)' },
  { key: 'raw_safety', label: 'raw pg pool sending the text our engine sends (every safety layer, no MCP)' },
  { key: 'echo', label: 'echo tools/call on our stdio app (the MCP hop alone)' },
  { key: 'ours', label: 'ours: apps/stdio-server sql_query (every safety layer)' },
  { key: 'server_postgres', label: '@modelcontextprotocol/server-postgres 0.6.2 query' },
  { key: 'dbhub', label: '@bytebase/dbhub 1.4.0 execute_sql (readonly = true)' },
];
export const PEER_KEYS = ['server_postgres', 'dbhub'];

const SAFETY_TEXT = safetyCallText(PEERS_QUERY);
/** The FETCH's result (the third statement's) must hold the query's ten rows. */
function checkSafetyRows(results) {
  if (results?.[2]?.rows?.length !== 10) throw new Error('raw_safety: the FETCH did not return the ten rows');
}

const textOf = (result) => result?.content?.find((c) => c.type === 'text')?.text ?? '';
/** The parsed JSON of a text answer; undefined when it is not JSON. */
function json(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
const tenRows = (rows) => Array.isArray(rows) && rows.length === 10 && Number(rows[9].twice) === 20;
// What a correct answer to PEERS_QUERY looks like from each server.
const CHECKS = {
  ours: (result) => /\| 10 \| 20 \|/.test(textOf(result)) && textOf(result).includes('\n10 rows'),
  // A JSON array of the rows.
  server_postgres: (result) => tenRows(json(textOf(result))),
  // `{ success, data: { statements: [{ sql, rows }] } }`.
  dbhub: (result) => {
    const answer = json(textOf(result));
    return answer?.success === true && tenRows(answer.data?.statements?.[0]?.rows);
  },
};

/** Where the peers are installed: BENCH_PEERS_DIR, else the user's cache folder. */
function peersDir() {
  if (process.env.BENCH_PEERS_DIR) return resolve(process.env.BENCH_PEERS_DIR);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'agent-mcp-bench', 'sql-peers');
}

/**
 * Installs the pinned peers (`peers/manifest.json` and `peers/lock.json`, every package at the version and
 * integrity of the lock) into the cache folder with `npm ci`, unless that exact lock is installed there already.
 * Install scripts are not run: none of the peers needs one for PostgreSQL over stdio.
 */
export function ensurePeers(log) {
  const dir = peersDir();
  const lock = readFileSync(resolve(BENCH_DIR, 'peers/lock.json'), 'utf8');
  const installedLock = join(dir, 'package-lock.json');
  const installed =
    existsSync(installedLock) &&
    readFileSync(installedLock, 'utf8') === lock &&
    existsSync(join(dir, 'node_modules/.package-lock.json'));
  if (!installed) {
    log(`installing the sql peers (pinned in tools/bench/peers/lock.json) into ${dir}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), readFileSync(resolve(BENCH_DIR, 'peers/manifest.json')));
    writeFileSync(installedLock, lock);
    execFileSync('npm', ['ci', '--prefix', dir, '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 600_000,
    });
  }
  return {
    serverPostgres: join(dir, 'node_modules/@modelcontextprotocol/server-postgres/dist/index.js'),
    dbhub: join(dir, 'node_modules/@bytebase/dbhub/dist/index.js'),
  };
}

/** dbhub reads its read-only mode from a TOML file only (`--readonly` is refused since 1.x). */
function writeDbhubConfig(dir, url) {
  const file = join(dir, 'dbhub.toml');
  writeFileSync(
    file,
    [
      '[[sources]]',
      'id = "bench"',
      `dsn = ${JSON.stringify(url)}`,
      '',
      '[[tools]]',
      'name = "execute_sql"',
      'source = "bench"',
      'readonly = true',
      '',
    ].join('\n'),
  );
  return file;
}

/** Starts one stdio server and initializes a client session on it; the child is stopped by the returned closer. */
async function startStdio(script, { env = {}, args = [], nodeArgs = [] }) {
  const child = spawnNode(script, { env, args, nodeArgs, stdio: ['pipe', 'pipe', 'pipe'] });
  const client = jsonRpcClient(child.stdin, child.stdout);
  try {
    await client.initialize();
  } catch (error) {
    await stop(child);
    throw new Error(`${script} did not initialize: ${error.message}\n${child.stderrTail()}`);
  }
  return { child, client };
}

/**
 * Creates a scratch database with a read-only role, starts our stdio app and both peers on it, measures every case
 * at 1 and 16 calls in flight (median of `runs` by calls/s), stops everything and drops the database.
 */
export async function measureSqlPeers({ runs, seconds, warmupSeconds, log }) {
  const peers = ensurePeers(log);
  const suffix = randomBytes(4).toString('hex');
  const database = `bench_peers_${suffix}`;
  const role = `bench_peers_ro_${suffix}`;
  const scratch = mkdtempSync(join(tmpdir(), 'agent-mcp-bench-peers-'));
  await asAdmin(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${database}`));
  const closers = [];
  try {
    await asAdmin(withDatabase(ADMIN_URL, database), async (c) => {
      await c.query(sampleDataSql());
      await c.query(readOnlyRoleSql({ role }));
    });
    const url = withDatabase(ADMIN_URL, database, role);

    const raw = new pg.Pool({ connectionString: url, max: 16 });
    raw.on('error', () => undefined); // see sql-bench.mjs: DROP ... WITH (FORCE) may end a client pool.end() let go
    closers.push(() => raw.end());

    // Ours at its defaults (LOG_LEVEL included); DIAGNOSTIC_TOOLS only adds `echo`, the hop measured beside it.
    const nodeArgs = (process.env.BENCH_SQL_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const ours = await startStdio(resolve(REPO_ROOT, 'apps/stdio-server/dist/main.js'), {
      env: { DATABASE_URL: url, DIAGNOSTIC_TOOLS: 'true' },
      nodeArgs,
    });
    closers.push(() => stop(ours.child));
    const serverPostgres = await startStdio(peers.serverPostgres, { args: [url] });
    closers.push(() => stop(serverPostgres.child));
    const dbhub = await startStdio(peers.dbhub, {
      args: ['--transport', 'stdio', '--config', writeDbhubConfig(scratch, url)],
    });
    closers.push(() => stop(dbhub.child));

    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    closers.push(() => admin.end());

    const cases = {
      raw: { once: () => raw.query(PEERS_QUERY), pid: undefined },
      raw_safety: { once: () => raw.query(SAFETY_TEXT).then(checkSafetyRows), pid: undefined },
      echo: { once: () => ours.client.callTool('echo', { message: 'hello' }), pid: ours.child.pid },
      ours: {
        once: () => ours.client.callTool('sql_query', { sql: PEERS_QUERY }, CHECKS.ours),
        pid: ours.child.pid,
      },
      server_postgres: {
        once: () => serverPostgres.client.callTool('query', { sql: PEERS_QUERY }, CHECKS.server_postgres),
        pid: serverPostgres.child.pid,
      },
      dbhub: {
        once: () => dbhub.client.callTool('execute_sql', { sql: PEERS_QUERY }, CHECKS.dbhub),
        pid: dbhub.child.pid,
      },
    };
    // One call of each first: a server that answers wrongly stops the bench here, with its answer.
    for (const [key, c] of Object.entries(cases)) {
      await c.once().catch((error) => {
        throw new Error(`${key}: ${error.message}`);
      });
    }

    const results = {};
    for (const concurrency of [1, 16]) {
      const measured = Object.fromEntries(SQL_PEER_CASES.map(({ key }) => [key, []]));
      for (let run = 0; run < runs; run++) {
        const order = SQL_PEER_CASES.map((_, i) => SQL_PEER_CASES[(i + run) % SQL_PEER_CASES.length]);
        for (const { key } of order) {
          const cpu = cpuSampler(admin, database, cases[key].pid);
          measured[key].push(await measure(cases[key].once, { concurrency, seconds, warmupSeconds, cpu }));
        }
      }
      for (const { key, label } of SQL_PEER_CASES) {
        const chosen = medianBy(measured[key], 'callsPerSecond');
        const c = chosen.cpuUsPerCall;
        const errors = measured[key].reduce((n, r) => n + r.errors, 0);
        log(
          `  ${label} c=${concurrency}: ${chosen.callsPerSecond} calls/s (runs ${measured[key].map((r) => r.callsPerSecond).join(', ')}), p50 ${chosen.p50Ms.toFixed(3)} ms; CPU us/call: PostgreSQL ${c.postgres}, server ${c.app ?? '-'}, bench ${c.bench}${errors ? `; ${errors} errors` : ''}`,
        );
        (results[key] ??= {})[concurrency] = {
          ...chosen,
          errors,
          runs: measured[key].map((r) => r.callsPerSecond),
        };
      }
    }
    return { query: PEERS_QUERY, results };
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
    await asAdmin(ADMIN_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
    });
  }
}
