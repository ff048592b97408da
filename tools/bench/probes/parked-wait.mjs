// Probe: what a parked run's waits cost in PostgreSQL statements and answer latency (issue 17, signals instead of
// 100 ms polls). A recorded run publishes a question and waits for its answer: (A) it waits 3 s with nobody answering
// (a client thinking); (B) the answer is sent, the run works 3 s more and ends, while a request waits for its outcome
// as a parked call's request does on a replica that does not run it (runs.result, then the question and whether it
// was answered; every 100 ms before, on the run's watch after). Counted: every statement of this process through pg
// (DBOS's queue polls and heartbeats too, under `other`), by what it reads. An idle 3 s is counted first for scale.
// Then the answer latency, from the send to the run's wait returning, 10 times each: sent by this process
// (runs.send), and sent by another replica (the mailbox's statement on a connection of its own, with the NOTIFY when
// the schema has the signal function).
// Usage: node tools/bench/probes/parked-wait.mjs [path to a durable-runs dist entry]   (default: the built lib)
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ADMIN_URL, asAdmin, withDatabase } from '../src/sql-common.mjs';

const entry = process.argv[2] ? pathToFileURL(process.argv[2]).href : '@agent-mcp/durable-runs';
const { createDurableRuns } = await import(entry);
const WAIT_MS = 3000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const counts = {};
function kindOf(text) {
  if (/LISTEN/.test(text)) return 'listen';
  if (/LEFT JOIN LATERAL/.test(text)) return 'receive';
  if (/FROM "?agent_runs"?\.run_events/.test(text)) return 'read_event';
  if (/SELECT 1 FROM "?agent_runs"?\.run_messages/.test(text)) return 'sent';
  if (/workflow_status/.test(text) && /workflow_uuid\s*=\s*\$1/.test(text) && !/UPDATE|INSERT/.test(text))
    return 'run_status';
  return 'other';
}
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(config, ...rest) {
  const text = typeof config === 'string' ? config : (config?.text ?? '');
  const kind = kindOf(text);
  counts[kind] = (counts[kind] ?? 0) + 1;
  return query.call(this, config, ...rest);
};
function take() {
  const taken = { ...counts };
  for (const key of Object.keys(counts)) delete counts[key];
  const ours = Object.entries(taken)
    .filter(([k]) => k !== 'other')
    .reduce((n, [, v]) => n + v, 0);
  return { ours, ...taken };
}

const name = `probe_wait_${randomBytes(4).toString('hex')}`;
await asAdmin(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
const databaseUrl = withDatabase(ADMIN_URL, name);
const runs = createDurableRuns({ databaseUrl, executorId: 'probe' });
const marks = {};
runs.define('ask', async (_input, journal) => {
  await journal.publish('input', { seq: 's1' });
  await journal.waitFor('input.s1', 60_000);
  return performance.now();
});
runs.define('parked', async (_input, journal) => {
  await journal.publish('input', { seq: 's1' });
  const answer = await journal.waitFor('input.s1', 60_000);
  marks.answered = performance.now();
  await journal.step('work', () => sleep(WAIT_MS).then(() => 'worked'));
  marks.finished = performance.now();
  return { result: answer };
});
try {
  await runs.start();
  await sleep(1500);
  take();
  await sleep(WAIT_MS);
  const idle = take();
  const handle = await runs.startHere('parked', {}, { principal: 'p', signal: new AbortController().signal });
  const { runId } = handle;
  await runs.readEvent(runId, 'input', { timeoutMs: 5000 });
  take();
  await sleep(WAIT_MS);
  const parked = take();
  const sentAt = performance.now();
  await runs.send(runId, 'input.s1', { yes: true }, 'answer:s1');
  const outcome = await waitForOutcome(runs, runId);
  const seenAt = performance.now();
  const working = take();
  const latency = { thisProcess: await answerLatencies(runs, false), otherReplica: await answerLatencies(runs, true) };
  console.log(
    JSON.stringify(
      {
        entry,
        signals: typeof runs.watch === 'function',
        idle3s: idle,
        runParked3s: parked,
        answeredRunWorking3s: working,
        answerLatencyMs: Math.round(marks.answered - sentAt),
        outcomeLatencyMs: Math.round(seenAt - marks.finished),
        answerLatencyMsOf10: latency,
        outcome,
      },
      null,
      1,
    ),
  );
} finally {
  await runs.close();
  await asAdmin(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** A parked call's request waiting for the outcome, as server-kit's port and mcp-core's loop do it. */
async function waitForOutcome(runs, runId) {
  const watch = runs.watch?.(runId, { status: true, events: ['input'] });
  try {
    for (;;) {
      const outcome = await runs.result(runId, { timeoutMs: watch ? 0 : 100 });
      if (outcome) return outcome;
      const question = await runs.readEvent(runId, 'input', { timeoutMs: 0 });
      if (question) await runs.sent(runId, 'answer:s1');
      if (watch) await watch.next(3000);
    }
  } finally {
    watch?.close();
  }
}

/** The time from a send to the run's wait returning, 10 times: `{ p50, max }` ms. */
async function answerLatencies(runs, fromOther) {
  const other = new pg.Client({ connectionString: databaseUrl });
  await other.connect();
  const { rows } = await other.query("SELECT to_regproc('agent_runs.run_signal') IS NOT NULL AS signals");
  const signal = rows[0].signals ? "SELECT agent_runs.run_signal(run_id, 'm:' || $3::text) FROM sent" : 'SELECT 1';
  const times = [];
  try {
    for (let i = 0; i < 10; i += 1) {
      const handle = await runs.startHere('ask', {}, { principal: 'p', signal: new AbortController().signal });
      await runs.readEvent(handle.runId, 'input', { timeoutMs: 5000 });
      // Anywhere in the other side's cycle, as a client's answer comes.
      await sleep(Math.random() * 100);
      const sentAt = performance.now();
      if (fromOther)
        await other.query(
          `WITH sent AS (INSERT INTO agent_runs.run_messages (run_id, message_key, topic, message)
             VALUES ($1::text, $2::text, $3::text, 'true') RETURNING run_id) ${signal}`,
          [handle.runId, 'answer:s1', 'input.s1'],
        );
      else await runs.send(handle.runId, 'input.s1', true, 'answer:s1');
      times.push((await handle.result()) - sentAt);
    }
  } finally {
    await other.end();
  }
  times.sort((a, b) => a - b);
  return { p50: Math.round(times[5]), max: Math.round(times[9]) };
}
