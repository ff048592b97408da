// Runs of another run format (DBOS's application version: a deploy changed the format while they waited or ran):
// DBOS dequeues and recovers a run only on replicas of its own format, so once no replica of that format was seen for
// the grace (several recovery delays: one late beat is not enough) such a run is `stranded` (status, and its result ends with RunOfOtherFormatError), and it counts in no bound of
// this format's queue (admission, the queue sampler) nor in the sweeper's moves; a live replica of its format (its
// heartbeat names the format) makes it an ordinary queued run again. Real PostgreSQL, a database of its own.
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { RUN_FORMAT_VERSION } from './dbos-engine';
import { createDurableRuns, type DurableRuns } from './durable-runs';
import { RunOfOtherFormatError } from './errors';
import { createRunQueueSampler } from './run-queue-sampler';

const OLD_FORMAT = 'agent-runs-0';
const PRINCIPAL = 'tenant:format';

let db: ThrowawayDatabase;
let runs: DurableRuns;
let release!: () => void;
const released = new Promise<void>((resolve) => (release = resolve));

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'druns_format' });
  runs = createDurableRuns({
    databaseUrl: db.url,
    maxQueued: 1,
    concurrencyPerPrincipal: 1,
    heartbeatMs: 300,
    recoveryAfterMs: 1500,
    queuePollMs: 50,
  });
  runs.define('hold', () => released.then(() => 'held'));
  await runs.start();
});

afterAll(async () => {
  release();
  await runs?.close();
  await db?.drop();
});

const sql = (text: string, params: unknown[] = []) => db.admin((c) => c.query(text, params));

async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  for (const begun = Date.now(); !(await done()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - begun > 20_000) throw new Error(`timed out waiting for ${what}`);
  }
}

it('reports a queued run of another format as stranded while no replica of it lives, and counts it nowhere', async () => {
  // Holds the principal's one slot: the next run waits on the queue.
  const holder = await runs.submit<string>('hold', {}, { principal: PRINCIPAL });
  await until(async () => (await runs.status(holder.runId))?.state === 'running', 'the holder to start');
  const old = await runs.submit<string>('hold', { old: true }, { principal: PRINCIPAL });
  expect(await runs.status(old.runId)).toEqual({ state: 'queued', starts: 1, format: RUN_FORMAT_VERSION });
  await expect(runs.admit({ label: 'probe' })).rejects.toThrow('already waiting');

  await sql('UPDATE agent_runs.workflow_status SET application_version = $2 WHERE workflow_uuid = $1', [
    old.runId,
    OLD_FORMAT,
  ]);
  expect(await runs.status(old.runId)).toEqual({ state: 'stranded', starts: 1, format: OLD_FORMAT });
  await expect(old.result({ timeoutMs: 5000 })).rejects.toThrow(RunOfOtherFormatError);
  await expect(runs.result(old.runId, { timeoutMs: 5000 })).rejects.toMatchObject({
    code: 'run_of_other_format',
    format: OLD_FORMAT,
  });
  // Not this format's queue: admitted, and not sampled.
  await expect(runs.admit({ label: 'probe' })).resolves.toBeUndefined();
  const sampler = createRunQueueSampler({ databaseUrl: db.url, executorId: runs.executorId, everyMs: 100 });
  try {
    expect(await sampler.sample()).toMatchObject({ queued: 0, runningHere: 1 });
  } finally {
    await sampler.close();
  }

  // A live replica of its format would take it: an ordinary queued run, until that replica is silent past the grace.
  await sql(`INSERT INTO agent_runs.replica_heartbeats (executor_id, run_format) VALUES ('old-replica', $1)`, [
    OLD_FORMAT,
  ]);
  expect(await runs.status(old.runId)).toMatchObject({ state: 'queued', format: OLD_FORMAT });
  await expect(runs.result(old.runId, { timeoutMs: 100 })).resolves.toBeUndefined();
  // Silent past the recovery delay (1.5 s) but within the grace (STRANDED_AFTER_MS): a late beat, still queued.
  await sql(
    `UPDATE agent_runs.replica_heartbeats SET seen_at = now() - interval '30 seconds' WHERE executor_id = 'old-replica'`,
  );
  expect(await runs.status(old.runId)).toMatchObject({ state: 'queued', format: OLD_FORMAT });
  await sql(
    `UPDATE agent_runs.replica_heartbeats SET seen_at = now() - interval '1 hour' WHERE executor_id = 'old-replica'`,
  );
  expect(await runs.status(old.runId)).toMatchObject({ state: 'stranded' });

  // The slot frees: this replica never dequeues the old run.
  release();
  await expect(holder.result({ timeoutMs: 10_000 })).resolves.toBe('held');
  await new Promise((r) => setTimeout(r, 500));
  const { rows } = await sql('SELECT status FROM agent_runs.workflow_status WHERE workflow_uuid = $1', [old.runId]);
  expect(rows[0]).toEqual({ status: 'ENQUEUED' });
  // Cancelling it (what a task failed for it does) works across formats.
  await runs.cancel(old.runId);
  expect(await runs.status(old.runId)).toMatchObject({ state: 'cancelled' });
}, 60_000);

it('leaves the running run of another format whose replica died to a replica of that format: no sweep moves it', async () => {
  release();
  const run = await runs.submit<string>('hold', {}, { principal: 'tenant:format-2' });
  await until(async () => (await runs.status(run.runId))?.state === 'completed', 'the run to finish');
  // A run of another format left PENDING by a dead replica (its row written as that replica's would be).
  await sql(
    `UPDATE agent_runs.workflow_status SET status = 'PENDING', application_version = $2, executor_id = 'old-dead'
      WHERE workflow_uuid = $1`,
    [run.runId, OLD_FORMAT],
  );
  // Its replica's stale heartbeat: a sweep that looked at the run would take the replica for dead and delete it.
  await sql(
    `INSERT INTO agent_runs.replica_heartbeats (executor_id, seen_at, run_format) VALUES ('old-dead', now() - interval '1 hour', $1)`,
    [OLD_FORMAT],
  );
  expect(await runs.sweep()).toEqual([]);
  const { rows } = await sql(`SELECT 1 FROM agent_runs.replica_heartbeats WHERE executor_id = 'old-dead'`);
  expect(rows).toHaveLength(1);
  expect(await runs.status(run.runId)).toEqual({ state: 'stranded', starts: 1, format: OLD_FORMAT });
  // The heartbeats of its format, by its own format or by none (a replica from before formats were recorded).
  await sql(`INSERT INTO agent_runs.replica_heartbeats (executor_id) VALUES ('unversioned-replica')`);
  expect(await runs.status(run.runId)).toMatchObject({ state: 'running' });
  await sql(`DELETE FROM agent_runs.replica_heartbeats WHERE executor_id = 'unversioned-replica'`);
}, 30_000);
