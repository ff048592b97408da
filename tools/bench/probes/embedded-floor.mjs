// Probe: the floor under the embedded engine's sql_query (issue 18 item 3), without MCP or our engine: PGlite's own
// exec of the sql peers' query and of the whole text one call sends (read-only transaction, local settings, cursor,
// FETCH, ROLLBACK, reset), then the same exec in a worker thread answered with postMessage, as the engine runs it
// (PGlite must live in a worker: it ignores statement_timeout, so a deadline ends the thread). `npm run bench`
// prints the last figure beside the embedded row (its `sqlhttp` part).
// Usage: node tools/bench/probes/embedded-floor.mjs   (prints p50/p99/mean/min latency and process CPU per call)
import { PGlite } from '@electric-sql/pglite';
import {
  EMBEDDED_FLOOR_CALL,
  EMBEDDED_FLOOR_SETUP,
  EMBEDDED_FLOOR_SQL,
  startPgliteWorker,
  timeCalls,
} from '../src/embedded-floor.mjs';

function print(label, { p50Ms, p99Ms, meanMs, minMs, cpuUsPerCall }) {
  console.log(
    `${label}: p50 ${p50Ms.toFixed(3)} ms, p99 ${p99Ms.toFixed(3)} ms, mean ${meanMs.toFixed(3)} ms, min ${minMs.toFixed(3)} ms, process CPU ${cpuUsPerCall.toFixed(0)} us per call`,
  );
}

const db = await PGlite.create();
await db.exec(EMBEDDED_FLOOR_SETUP);
db.parsers = Object.fromEntries(Object.keys(db.parsers).map((oid) => [oid, (v) => v]));
print(
  "PGlite exec of the peers' query, this thread",
  await timeCalls(() => db.exec(EMBEDDED_FLOOR_SQL, { rowMode: 'array' })),
);
print(
  "PGlite exec of one call's whole text, this thread",
  await timeCalls(() => db.exec(EMBEDDED_FLOOR_CALL, { rowMode: 'array' })),
);
await db.close();

const worker = await startPgliteWorker();
print('worker round trip, no exec', await timeCalls(worker.echo));
print("worker round trip with the exec of one call's whole text", await timeCalls(worker.call));
await worker.close();
