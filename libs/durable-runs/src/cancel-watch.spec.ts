// A cancel reaches the replica executing the run at once: a replica process runs an agent run whose model turn takes
// 10 s; this process, another replica, cancels the run, and the scripted model server sees that request aborted
// within 3 s (the run's journal signal, aborted through the status trigger's LISTEN/NOTIFY), not at the turn's
// end. The run is cancelled and recorded no turn. The watch itself (its reads counted, no database): it looks before
// it waits, so a run cancelled before its watch opened aborts at once, and it ends once the runs' signals close, though
// the execution it watches never ends (one stopped or handed over at close): no read of the ended pool after.
import { RunCancelledError } from '@agent-mcp/agent-core';
import { createScriptedServer, type ScriptedServer, textTurn } from '@agent-mcp/agent-core/testing';
import { noopLogger } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import type pg from 'pg';
import { watchCancel } from './cancel-watch';
import { createDurableRuns, type DurableRuns } from './durable-runs';
import { LOOKUPS_DDL } from './spec-helpers/lookup-run';
import { RunSignals } from './run-signals';
import { Replicas } from './spec-helpers/replicas';

let db: ThrowawayDatabase;
let model: ScriptedServer;
let replicas: Replicas;
let runs: DurableRuns | undefined;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'druns_cancel' });
  await db.admin((c) => c.query(LOOKUPS_DDL));
  model = await createScriptedServer({ apiKey: 'test-key' });
  replicas = await Replicas.bundle(db.url, model.url);
});

afterAll(async () => {
  await runs?.close();
  replicas?.close();
  await model?.close();
  await db?.drop();
});

/** A pool whose every read finds the run in `status`, counting the reads. */
function poolFinding(status: string): { pool: pg.Pool; reads: () => number } {
  let reads = 0;
  const query = () => {
    reads += 1;
    return Promise.resolve({ rows: [{ status }] });
  };
  return { pool: { query } as unknown as pg.Pool, reads: () => reads };
}

async function within(ms: number, done: () => boolean): Promise<void> {
  for (const begun = Date.now(); !done(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() - begun > ms) throw new Error(`not within ${ms} ms`);
  }
}

it('aborts at once for a run cancelled before its watch opened: it looks before waiting for a wake', async () => {
  const signals = new RunSignals();
  const watch = watchCancel(signals, poolFinding('CANCELLED').pool, 'run-cancelled', noopLogger);
  await within(1000, () => watch.signal.aborted);
  expect(watch.signal.reason).toBeInstanceOf(RunCancelledError);
  // The run left PENDING: nothing more to watch.
  expect(signals.size).toBe(0);
});

it('stops watching once the signals close, though the execution never closes its watch', async () => {
  const signals = new RunSignals();
  const { pool, reads } = poolFinding('PENDING');
  const watch = watchCancel(signals, pool, 'run-forever', noopLogger);
  await within(1000, () => reads() === 1);
  expect(signals.size).toBe(1);
  await signals.close();
  await within(1000, () => signals.size === 0);
  await new Promise((r) => setTimeout(r, 100));
  expect(reads()).toBe(1);
  expect(watch.signal.aborted).toBe(false);
  watch.close();
});

it('aborts the model request in flight of a run on another replica as soon as it is cancelled here', async () => {
  model.enqueue(textTurn('too late', { delayMs: 10_000 }));
  const other = await replicas.start('replica-b', 'submit');
  const runId = other.submitted as string;
  await model.waitForRequest(0, 15_000);

  runs = createDurableRuns({ databaseUrl: db.url, executorId: 'replica-a', heartbeatMs: 300, recoveryAfterMs: 1500 });
  await runs.start();
  const cancelledAt = performance.now();
  await runs.cancel(runId);
  const request = await model.waitForClientClose(0, 5000);
  expect((request.clientClosedAt ?? Infinity) - cancelledAt).toBeLessThan(3000);
  expect(await runs.status(runId)).toMatchObject({ state: 'cancelled' });
  const steps = await db.admin((c) => c.query('SELECT step FROM agent_runs.run_steps WHERE run_id = $1', [runId]));
  expect(steps.rows).toEqual([]);
}, 60_000);
