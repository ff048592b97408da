#!/usr/bin/env node
// `npm run loadtest`: a mixed MCP workload (tools/list, sql_query on PostgreSQL, database_query agent calls on the
// scripted model server) against one http-server replica, then against two behind nginx (deploy/nginx.conf with
// the replicas on loopback). Prints throughput, p50/p99 latency and errors per target. Needs the built apps, the
// PostgreSQL the tests use (127.0.0.1:5432, trust) and, for the two-replica run, nginx (apt-get install nginx-light).
//   npm run loadtest -- --duration=15 --concurrency=16
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createScriptedServer, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const APP = path.join(ROOT, 'apps/http-server/dist/main.js');
const DB_CLI = path.join(ROOT, 'libs/tools-database/dist/cli.js');
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
};
const DURATION_S = arg('duration', 10);
const CONCURRENCY = arg('concurrency', 16);
// The mix: mostly cheap protocol traffic, a good share of direct SQL, some agent calls.
const MIX = [
  { name: 'tools/list', weight: 0.5 },
  { name: 'sql_query', weight: 0.4 },
  { name: 'database_query', weight: 0.1 },
];

const cleanups = [];
const cleanup = async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function admin(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function startReplica(env) {
  const child = spawn(process.execPath, [APP], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start: ${stderr}`)), 20_000);
    child.stderr.on('data', (c) => {
      stderr += c;
      const m = /"url":"(http:\/\/[^"]+)\/mcp"/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`replica exited ${code}: ${stderr}`)));
  });
}

async function startNginx(upstreams) {
  const nginx = ['nginx', '/usr/sbin/nginx'].find((bin) => {
    try {
      execFileSync(bin, ['-v'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!nginx) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'loadtest-nginx-'));
  const port = await freePort();
  // deploy/nginx.conf as shipped, with the replicas and the listener on loopback and no access log (it would cost).
  let conf = readFileSync(path.join(ROOT, 'deploy/nginx.conf'), 'utf8')
    .replace(/ +server server-\d:3000[^\n]*\n/g, '')
    .replace(
      'upstream agent_mcp {',
      `upstream agent_mcp {\n${upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;`).join('\n')}`,
    )
    .replace('listen 8080;', `listen 127.0.0.1:${port};`)
    .replace('access_log /dev/stdout;', 'access_log off;')
    .replace('worker_processes auto;', 'worker_processes 1;')
    .replace('/tmp/nginx.pid', path.join(dir, 'nginx.pid'));
  for (const t of ['client-body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    conf = conf.replace(`/tmp/nginx-${t}`, path.join(dir, t));
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(nginx, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { child, base, dir };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('nginx did not start');
}

const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
let nextId = 1;
function body(op) {
  const id = nextId++;
  if (op === 'tools/list') return { jsonrpc: '2.0', id, method: 'tools/list' };
  if (op === 'sql_query') {
    return {
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name: 'sql_query',
        arguments: { sql: 'SELECT tier, count(*) AS n FROM customers GROUP BY tier ORDER BY tier' },
      },
    };
  }
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'database_query', arguments: { question: 'How are customers spread across tiers?' } },
  };
}

function pick() {
  let r = Math.random();
  for (const m of MIX) {
    if ((r -= m.weight) <= 0) return m.name;
  }
  return MIX[0].name;
}

async function drive(base, durationS = DURATION_S) {
  const latencies = { all: [] };
  for (const m of MIX) latencies[m.name] = [];
  let errors = 0;
  const errorSamples = new Set();
  const stopAt = performance.now() + durationS * 1000;
  const worker = async () => {
    while (performance.now() < stopAt) {
      const op = pick();
      const started = performance.now();
      try {
        const res = await fetch(`${base}/mcp`, { method: 'POST', headers: HEADERS, body: JSON.stringify(body(op)) });
        const text = await res.text();
        const json = res.headers.get('content-type')?.includes('event-stream')
          ? JSON.parse(/data: (.*)/.exec(text)[1])
          : JSON.parse(text);
        if (res.status !== 200 || json.error || json.result?.isError) {
          errors++;
          if (errorSamples.size < 3) errorSamples.add(`${op}: ${res.status} ${text.slice(0, 160)}`);
          continue;
        }
      } catch (error) {
        errors++;
        if (errorSamples.size < 3) errorSamples.add(`${op}: ${error.message}`);
        continue;
      }
      const ms = performance.now() - started;
      latencies.all.push(ms);
      latencies[op].push(ms);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { seconds, latencies, errors, errorSamples: [...errorSamples] };
}

const pct = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

function report(label, r) {
  const rows = [['all', r.latencies.all], ...MIX.map((m) => [m.name, r.latencies[m.name]])];
  const lines = [
    `\n${label}: ${(r.latencies.all.length / r.seconds).toFixed(0)} req/s over ${r.seconds.toFixed(1)} s, ${r.errors} errors`,
  ];
  lines.push('| operation | requests | req/s | p50 ms | p99 ms |', '|---|---:|---:|---:|---:|');
  for (const [name, v] of rows)
    lines.push(
      `| ${name} | ${v.length} | ${(v.length / r.seconds).toFixed(0)} | ${pct(v, 50).toFixed(1)} | ${pct(v, 99).toFixed(1)} |`,
    );
  for (const e of r.errorSamples) lines.push(`  error sample: ${e}`);
  console.log(lines.join('\n'));
}

async function main() {
  console.log(
    `loadtest: ${CONCURRENCY} concurrent clients, ${DURATION_S} s per target, mix ${MIX.map((m) => `${m.name} ${m.weight * 100}%`).join(', ')}`,
  );
  const scripted = await createScriptedServer({ apiKey: 'load-key' });
  cleanups.push(() => scripted.close());
  // Every agent call: one model turn asking for SQL, one answering; topped up as the run consumes them.
  const topUp = () => {
    while (scripted.pending < 2000) {
      scripted.enqueue(
        toolCallTurn({
          name: 'run_sql',
          arguments: { sql: 'SELECT tier, count(*) AS n FROM customers GROUP BY tier' },
        }),
        textTurn('Mostly free tier.'),
      );
    }
  };
  topUp();
  const topper = setInterval(() => {
    topUp();
    // The scripted server records every request; a load test has no use for them.
    if (scripted.requests.length > 10_000) scripted.reset?.();
    topUp();
  }, 200);
  cleanups.push(async () => clearInterval(topper));

  const db = `load_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${db}`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${db}`;
  await new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [DB_CLI, 'load-sample'],
      { env: { ...process.env, DATABASE_ADMIN_URL: dbUrl.toString() } },
      (e, _o, se) => (e ? reject(new Error(se)) : resolve()),
    ),
  );

  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    MCP_HTTP_MODE: 'stateless',
    // notice: the 'listening' line is written, the per-request lines (info) are not.
    LOG_LEVEL: 'notice',
    DATABASE_URL: dbUrl.toString(),
    DATABASE_POOL_MAX: '10',
    OPENAI_BASE_URL: scripted.url,
    OPENAI_API_KEY: 'load-key',
    OPENAI_MODEL: 'scripted-model',
    RATE_LIMIT_IP: '0',
    RATE_LIMIT_PRINCIPAL: '0',
    RATE_LIMIT_TOOL: '0',
  };
  const a = await startReplica(env);
  cleanups.push(async () => a.child.kill('SIGKILL'));
  const b = await startReplica(env);
  cleanups.push(async () => b.child.kill('SIGKILL'));

  // Warm both (connections, JIT) before measuring.
  await drive(a.base, 2).catch(() => undefined);
  await drive(b.base, 2).catch(() => undefined);

  report('one replica (direct)', await drive(a.base));
  const lb = await startNginx([new URL(a.base).host, new URL(b.base).host]);
  if (!lb) {
    console.log('\ntwo replicas behind nginx: skipped (nginx is not installed; apt-get install nginx-light)');
  } else {
    cleanups.push(async () => {
      lb.child.kill('SIGTERM');
      rmSync(lb.dir, { recursive: true, force: true });
    });
    report('two replicas behind nginx', await drive(lb.base));
  }
  console.log(
    `\nmachine: ${(await import('node:os')).cpus().length} cores, load average ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

main()
  .then(cleanup)
  .catch(async (error) => {
    console.error(error);
    await cleanup();
    process.exitCode = 1;
  });
