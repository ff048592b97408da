/**
 * The code of the embedded engine's worker thread, run with `new Worker(WORKER_SOURCE, { eval: true })` so it
 * works the same from TypeScript sources (tests), the published CommonJS and ESM builds and the apps' bundles,
 * none of which can locate a separate worker file the same way. It hosts one PGlite instance; the main thread
 * ends the whole thread when a statement passes its deadline, because PGlite ignores `statement_timeout`.
 *
 * Messages in: `build` (create the sample database and answer its gzipped data directory), `start` (open an
 * instance on a data directory, seeded from a snapshot when it holds no database yet, with extra server
 * settings such as `temp_file_limit`), `query` (one caller statement inside the read-only
 * transaction, fetched in bounded batches, always rolled back and reset; values stay PostgreSQL text) and
 * `trusted` (one of the application's own statements, as the session's owner role, committed as the
 * application's transaction says; values parsed as PGlite parses them).
 */
export const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const fs = require('node:fs');
const path = require('node:path');

let db;
// PGlite's own value parsers (what the application's statements get) and the same OIDs mapped to the text as it
// came (what callers' statements get). The instance holds the raw set: PGlite merges a per-call parsers option into
// a copy of its 318 parsers on every call, which took more time than the query itself.
let parsedParsers;
let rawParsers;
let role;

async function loadPGlite() {
  const mod = await import(pathToFileURL(workerData.entry).href);
  return mod.PGlite || (mod.default && mod.default.PGlite);
}

function useRawParsers() {
  parsedParsers = db.parsers;
  rawParsers = {};
  for (const oid of Object.keys(parsedParsers)) rawParsers[oid] = (value) => value;
  db.parsers = rawParsers;
}

function rowBytes(row) {
  let n = 0;
  for (const v of row) n += v === null ? 1 : Buffer.byteLength(v, 'utf8');
  return n;
}

// The main thread's compiled PGlite module, when it has one: no compilation of our own.
function pgliteOptions() {
  return workerData.pgliteWasmModule ? { pgliteWasmModule: workerData.pgliteWasmModule } : {};
}

async function build(msg) {
  const PGlite = await loadPGlite();
  const fresh = await PGlite.create(pgliteOptions());
  await fresh.exec(msg.setupSql);
  const dump = await fresh.dumpDataDir('gzip');
  const bytes = new Uint8Array(await dump.arrayBuffer());
  await fresh.close();
  parentPort.postMessage({ type: 'built', bytes }, [bytes.buffer]);
}

async function start(msg) {
  const PGlite = await loadPGlite();
  const options = pgliteOptions();
  if (msg.username) options.username = msg.username;
  role = msg.username;
  if (msg.dataDir) options.dataDir = msg.dataDir;
  if (msg.startParams && msg.startParams.length) options.startParams = [...PGlite.defaultStartParams, ...msg.startParams];
  const initialised = msg.dataDir && fs.existsSync(path.join(msg.dataDir, 'PG_VERSION'));
  if (msg.snapshot && !initialised) options.loadDataDir = new Blob([msg.snapshot]);
  db = await PGlite.create(options);
  await db.query('SELECT 1');
  useRawParsers();
  parentPort.postMessage({ type: 'ready', precompiled: Boolean(options.pgliteWasmModule) });
}

async function query(msg) {
  const opts = { rowMode: 'array' };
  const rows = [];
  let bytes = 0;
  let truncatedBy;
  let fields = [];
  const take = (batch) => {
    for (const row of batch) {
      if (rows.length >= msg.maxRows) { truncatedBy = 'rows'; return false; }
      const size = rowBytes(row);
      if (bytes + size > msg.maxBytes) { truncatedBy = 'bytes'; return false; }
      bytes += size;
      rows.push(row);
    }
    return true;
  };
  if (msg.simple) {
    const page = await simpleQuery(msg, opts);
    take(page.rows);
    return { type: 'result', id: msg.id, fields: page.fields, rows, truncatedBy };
  }
  try {
    await db.exec(msg.preamble);
    if (msg.cursor) {
      await db.query(msg.text, msg.params, opts);
      const fetch = 'FETCH FORWARD ' + msg.batch + ' FROM ' + msg.cursorName;
      let page = await db.query(fetch, [], opts);
      fields = page.fields;
      while (take(page.rows) && page.rows.length === msg.batch) page = await db.query(fetch, [], opts);
    } else {
      const result = await db.query(msg.text, msg.params, opts);
      fields = result.fields;
      take(result.rows);
    }
    return { type: 'result', id: msg.id, fields, rows, truncatedBy };
  } finally {
    try { await db.exec('ROLLBACK'); } catch (e) { /* reported by the reset below if the session is broken */ }
    await db.exec(msg.reset);
  }
}

// The whole call in one simple-protocol exec (no parameters): the preamble, the cursor, one FETCH of at most the
// row cap + 1, ROLLBACK and the short reset a rolled-back read-only transaction needs. Each PGlite call costs a
// trip through its protocol layer, so one exec instead of five is most of a call's time. The server parses the
// whole text before running any of it, and the engine sends only a cursor text the guard parsed as exactly one
// statement; should the text still split into another number of statements, its rows are not returned. A
// failure ends the transaction and gets the full reset, as on the other path. Answers the FETCH's result.
async function simpleQuery(msg, opts) {
  try {
    const results = await db.exec(msg.simple, opts);
    if (results.length !== msg.simpleCount) throw new Error('the statement did not run as one statement');
    return results[msg.fetchIndex];
  } catch (e) {
    try { await db.exec('ROLLBACK'); } catch (e2) { /* reported by the reset below if the session is broken */ }
    await db.exec(msg.reset);
    throw e;
  }
}

function quoteIdent(name) {
  return '"' + String(name).replace(/"/g, '""') + '"';
}

// PGlite's username is a SET ROLE over its superuser session: SET ROLE NONE returns to the owner for the
// application's statement, and the read-only role is restored after it. Inside a transaction an aborted
// statement makes both SETs fail; the ROLLBACK that follows restores the role they would have set.
async function trusted(msg) {
  try { await db.exec('SET ROLE NONE'); } catch (e) { /* aborted transaction: the statement fails as the read-only role */ }
  // Safe to switch for the call: messages are handled one at a time (see the handler below).
  db.parsers = parsedParsers;
  try {
    const result = await db.query(msg.text, msg.params || []);
    return { type: 'result', id: msg.id, rows: result.rows, affectedRows: result.affectedRows };
  } finally {
    db.parsers = rawParsers;
    if (role) {
      try { await db.exec('SET ROLE ' + quoteIdent(role)); } catch (e) { /* aborted transaction, see above */ }
    }
  }
}

async function handle(msg) {
  try {
    if (msg.op === 'build') return await build(msg);
    if (msg.op === 'start') return await start(msg);
    if (msg.op === 'query') return parentPort.postMessage(await query(msg));
    if (msg.op === 'trusted') return parentPort.postMessage(await trusted(msg));
  } catch (e) {
    parentPort.postMessage({
      type: 'error',
      id: msg.id,
      error: { message: String((e && e.message) || e), code: e && e.code, position: e && e.position },
    });
  }
}

// One message at a time, whatever the host sends: a statement never interleaves with another at an await.
let turn = Promise.resolve();
parentPort.on('message', (msg) => {
  turn = turn.then(() => handle(msg));
});
`;
