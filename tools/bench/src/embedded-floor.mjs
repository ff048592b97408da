// The floor under the embedded engine's sql_query (issue 18 item 3), without MCP or our engine: PGlite in a worker
// thread (as the engine runs it: PGlite ignores statement_timeout, so a deadline ends the thread) executing the whole
// text one call sends (read-only transaction, local settings, cursor, FETCH, ROLLBACK, reset), asked and answered
// with postMessage. Add the HTTP hop (our app's `echo` at c=1) for the floor of the embedded row.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const ENTRY = createRequire(import.meta.url).resolve('@electric-sql/pglite');
export const EMBEDDED_FLOOR_SQL = 'SELECT n, n * 2 AS twice FROM generate_series(1, 10) n';
/** One call's text as the embedded engine sends it (the default deadline differs from the session's, so SET LOCALs). */
export const EMBEDDED_FLOOR_CALL = [
  'BEGIN TRANSACTION READ ONLY',
  'SET LOCAL statement_timeout = 5000',
  'SET LOCAL lock_timeout = 1000',
  'SET LOCAL idle_in_transaction_session_timeout = 10000',
  "SET LOCAL TimeZone = 'UTC'",
  'SET LOCAL ROLE agent_ro',
  `DECLARE agent_mcp_cursor NO SCROLL CURSOR FOR ${EMBEDDED_FLOOR_SQL}\n`,
  'FETCH FORWARD 101 FROM agent_mcp_cursor',
  'ROLLBACK',
  'SELECT pg_advisory_unlock_all()',
  'DEALLOCATE ALL',
].join(';\n');
export const EMBEDDED_FLOOR_SETUP = 'CREATE ROLE agent_ro NOLOGIN';
/** Index of the FETCH's result among the call's statements. */
const FETCH_INDEX = 7;

/** Times `fn` `n` times after 300 warm-up calls: p50, p99, mean and min in ms, and this process's CPU per call in us. */
export async function timeCalls(fn, n = 3000) {
  for (let i = 0; i < 300; i++) await fn();
  const times = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  const meanMs = times.reduce((sum, t) => sum + t, 0) / n;
  times.sort((a, b) => a - b);
  return {
    p50Ms: times[n >> 1],
    p99Ms: times[Math.floor(n * 0.99)],
    meanMs,
    minMs: times[0],
    cpuUsPerCall: (cpu.user + cpu.system) / n,
  };
}

/** A worker thread holding a fresh in-memory PGlite with raw parsers, as the embedded engine keeps it. */
export async function startPgliteWorker() {
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
  await ask({ op: 'start', setup: EMBEDDED_FLOOR_SETUP });
  let id = 0;
  return {
    /** A round trip that runs nothing. */
    echo: () => ask({ op: 'echo', id: id++ }),
    /** A round trip carrying the exec of one call's whole text, answered with the FETCH's rows. */
    call: () => ask({ op: 'exec', id: id++, text: EMBEDDED_FLOOR_CALL, index: FETCH_INDEX }),
    close: () => worker.terminate(),
  };
}

/** The worker round trip with one call's exec: `{ p50Ms, minMs, cpuUsPerCall }`. */
export async function measureEmbeddedFloor({ n = 3000 } = {}) {
  const worker = await startPgliteWorker();
  try {
    return await timeCalls(worker.call, n);
  } finally {
    await worker.close();
  }
}
