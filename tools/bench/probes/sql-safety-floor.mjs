// Probe: the floor under sql_query at c=1 with every safety layer kept (issue 18 item 1), without MCP or our code:
// a raw `pg` client sends the bare query, then the exact one-message text our PostgreSQL engine sends for it (read-only
// transaction, the guard's cursor, one FETCH of the row cap + 1, ROLLBACK, the session reset), same connection, same
// role, alternating. The difference is what the safety layers cost PostgreSQL and the wire per call; add the MCP
// hop (the bench's `echo` row) for the floor of an MCP server that keeps them.
// Usage: node tools/bench/probes/sql-safety-floor.mjs   (needs PostgreSQL at BENCH_ADMIN_URL; creates and drops a
// scratch database)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { ADMIN_URL, asAdmin, withDatabase } from '../src/sql-common.mjs';
import { safetyCallText } from '../src/sql-safety.mjs';

const SQL = 'SELECT n, n * 2 AS twice FROM generate_series(1, 10) n';
const CALL = safetyCallText(SQL);

const database = `bench_safety_${randomBytes(4).toString('hex')}`;
await asAdmin(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${database}`));
const client = new pg.Client({ connectionString: withDatabase(ADMIN_URL, database) });
client.on('error', () => undefined);
await client.connect();
const backend = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;

/** The backend's CPU (utime + stime) in microseconds, from /proc. */
function backendCpuUs() {
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime) in clock ticks of 10 ms; the name field may hold spaces.
  const fields = readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function measure(text, n) {
  const times = [];
  const cpu0 = process.cpuUsage();
  const pg0 = backendCpuUs();
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await client.query(text);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  return { times, clientUs: (cpu.user + cpu.system) / n, pgUs: (backendCpuUs() - pg0) / n };
}

try {
  for (const text of [SQL, CALL]) await measure(text, 500);
  const rounds = { bare: [], call: [] };
  for (let r = 0; r < 5; r++) {
    rounds.bare.push(await measure(SQL, 2000));
    rounds.call.push(await measure(CALL, 2000));
  }
  for (const [label, runs] of Object.entries(rounds)) {
    const times = runs.flatMap((x) => x.times).sort((a, b) => a - b);
    const avg = (k) => runs.reduce((s, x) => s + x[k], 0) / runs.length;
    console.log(
      `${label === 'bare' ? 'bare query              ' : 'with every safety layer '}: p50 ${times[times.length >> 1].toFixed(1)} us, ` +
        `p10 ${times[Math.floor(times.length / 10)].toFixed(1)} us; CPU us/call: client ${avg('clientUs').toFixed(1)}, PostgreSQL ${avg('pgUs').toFixed(1)}`,
    );
  }
} finally {
  await client.end();
  await asAdmin(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
}
