// Probe: what admitting a task's run to the shared queue costs (issue 17, RUN_MAX_QUEUED held exactly across
// replicas). A task call of a resumable tool makes `runs.admit()` (a look before its task is stored) then
// `runs.submit()`; since the bound is exact, the submit counts and enqueues under a PostgreSQL advisory lock every
// replica takes. Timed: admit + submit of one run, (A) one after another (200 times) and (B) 64 at once from this
// process (each call's latency, and the burst's wall time), at the default RUN_MAX_QUEUED (256) with runs that end at
// once, the queue drained before each part (it never fills). One replica: a second one queues behind the same lock.
// Usage: node tools/bench/probes/queue-admission.mjs [path to a durable-runs dist entry]   (default: the built lib)
// Before/after: build the lib at the commit before, copy its dist aside, pass its index.js, then run with no argument.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { ADMIN_URL, asAdmin, withDatabase } from '../src/sql-common.mjs';

const entry = process.argv[2] ? pathToFileURL(process.argv[2]).href : '@agent-mcp/durable-runs';
const { createDurableRuns } = await import(entry);
const SEQUENTIAL = 100;
const BURST = 64;
const BURSTS = 5;

const name = `probe_admission_${randomBytes(4).toString('hex')}`;
await asAdmin(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
const databaseUrl = withDatabase(ADMIN_URL, name);
const runs = createDurableRuns({ databaseUrl, executorId: 'probe' });
runs.define('noop', async () => 'done');
const ms = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))];
const summary = (values) => ({ p50: ms(values, 0.5).toFixed(2), p95: ms(values, 0.95).toFixed(2) });
let n = 0;
async function drained() {
  const sql = `SELECT count(*)::int AS n FROM agent_runs.workflow_status WHERE status IN ('ENQUEUED', 'PENDING')`;
  while ((await asAdmin(databaseUrl, (c) => c.query(sql))).rows[0].n > 0) await new Promise((r) => setTimeout(r, 100));
}
async function admitted() {
  const started = performance.now();
  await runs.admit({ label: 'probe' });
  await runs.submit('noop', { n: n++ }, { principal: `tenant:${n % 16}` });
  return performance.now() - started;
}
try {
  await runs.start();
  for (let i = 0; i < 20; i++) await admitted(); // warm-up
  await drained();
  const sequential = [];
  for (let i = 0; i < SEQUENTIAL; i++) sequential.push(await admitted());
  const burst = [];
  const walls = [];
  for (let b = 0; b < BURSTS; b++) {
    await drained();
    const started = performance.now();
    burst.push(...(await Promise.all(Array.from({ length: BURST }, admitted))));
    walls.push(performance.now() - started);
  }
  console.log(
    JSON.stringify({
      entry: process.argv[2] ?? '@agent-mcp/durable-runs',
      sequentialMs: summary(sequential),
      [`burst${BURST}Ms`]: summary(burst),
      burstWallMs: summary(walls),
    }),
  );
} finally {
  await runs.close();
  await asAdmin(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
