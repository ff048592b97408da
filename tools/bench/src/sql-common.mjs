// What the sql benches share: a scratch database, a plain JSON-RPC client over a pair of streams, CPU per call by
// process (from /proc), and the timed loop.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pg = require('pg');

export const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The primary-key SELECT of issue 5's comparison with raw pg. */
export const QUERY = 'SELECT id, name, country, tier FROM customers WHERE id = $1';

export function withDatabase(url, database, user) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) u.username = user;
  return u.toString();
}

export async function asAdmin(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A newline-delimited JSON-RPC client over a pair of streams; answers matched by id, each wait bounded. */
export function jsonRpcClient(input, output) {
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
    /** tools/call of `name`; throws unless the answer is a result that is not an error and passes `check`. */
    async callTool(name, args, check) {
      const answer = await request('tools/call', { name, arguments: args });
      if (answer.error || answer.result?.isError || (check && !check(answer.result)))
        throw new Error(`${name} failed: ${JSON.stringify(answer).slice(0, 500)}`);
      return answer.result;
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
export function cpuSampler(admin, database, appPid) {
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
export async function measure(once, { concurrency, seconds, warmupSeconds, cpu }) {
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

export const medianBy = (runs, key) => [...runs].sort((a, b) => a[key] - b[key])[Math.floor(runs.length / 2)];
