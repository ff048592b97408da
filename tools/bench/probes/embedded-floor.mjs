// Probe: the floor under the embedded engine's sql_query (issue 18 item 3), without MCP or our engine: PGlite's own
// exec of the sql peers' query and of the whole text one call sends (read-only transaction, local settings, cursor,
// FETCH, ROLLBACK, reset), then the same exec in a worker thread answered with postMessage, as the engine runs it
// (PGlite must live in a worker: it ignores statement_timeout, so a deadline ends the thread).
// Usage: node tools/bench/probes/embedded-floor.mjs   (prints p50/min latency and process CPU per call)
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { PGlite } from '@electric-sql/pglite';

const ENTRY = createRequire(import.meta.url).resolve('@electric-sql/pglite');
const SQL = 'SELECT n, n * 2 AS twice FROM generate_series(1, 10) n';
const CALL = [
  'BEGIN TRANSACTION READ ONLY',
  'SET LOCAL statement_timeout = 5000',
  'SET LOCAL lock_timeout = 1000',
  'SET LOCAL idle_in_transaction_session_timeout = 10000',
  "SET LOCAL TimeZone = 'UTC'",
  'SET LOCAL ROLE agent_ro',
  `DECLARE agent_mcp_cursor NO SCROLL CURSOR FOR ${SQL}\n`,
  'FETCH FORWARD 101 FROM agent_mcp_cursor',
  'ROLLBACK',
  'SELECT pg_advisory_unlock_all()',
  'DEALLOCATE ALL',
].join(';\n');
const SETUP = 'CREATE ROLE agent_ro NOLOGIN';

async function measure(label, fn, n = 3000) {
  for (let i = 0; i < 300; i++) await fn();
  const times = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  console.log(
    `${label}: p50 ${times[n >> 1].toFixed(3)} ms, min ${times[0].toFixed(3)} ms, process CPU ${((cpu.user + cpu.system) / n).toFixed(0)} us per call`,
  );
}

const db = await PGlite.create();
await db.exec(SETUP);
const raw = Object.fromEntries(Object.keys(db.parsers).map((oid) => [oid, (v) => v]));
db.parsers = raw;
await measure("PGlite exec of the peers' query, this thread", () => db.exec(SQL, { rowMode: 'array' }));
await measure("PGlite exec of one call's whole text, this thread", () => db.exec(CALL, { rowMode: 'array' }));
await db.close();

const worker = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
  let db;
  parentPort.on('message', async (m) => {
    if (m.op === 'start') {
      const { PGlite } = await import(require('node:url').pathToFileURL(workerData.entry).href);
      db = await PGlite.create();
      await db.exec(m.setup);
      db.parsers = Object.fromEntries(Object.keys(db.parsers).map((oid) => [oid, (v) => v]));
      return parentPort.postMessage({ ready: true });
    }
    if (m.op === 'exec') {
      const results = await db.exec(m.text, { rowMode: 'array' });
      const page = results[m.index];
      return parentPort.postMessage({ id: m.id, fields: page.fields, rows: page.rows });
    }
    parentPort.postMessage({ id: m.id });
  });`,
  { eval: true, workerData: { entry: ENTRY } },
);
const ask = (message) =>
  new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(message);
  });
await ask({ op: 'start', setup: SETUP });
let id = 0;
await measure('worker round trip, no exec', () => ask({ op: 'echo', id: id++ }));
await measure("worker round trip with the exec of one call's whole text", () =>
  ask({ op: 'exec', id: id++, text: CALL, index: 7 }),
);
await worker.terminate();
