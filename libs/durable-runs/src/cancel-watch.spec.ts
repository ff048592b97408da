// A cancel reaches the replica executing the run at once: a replica process runs an agent run whose model turn takes
// 10 s; this process, another replica, cancels the run, and the scripted model server sees that request aborted
// within a second (the run's journal signal, aborted through the status trigger's LISTEN/NOTIFY), not at the turn's
// end. The run is cancelled and recorded no turn.
import { createScriptedServer, type ScriptedServer, textTurn } from '@agent-mcp/agent-core/testing';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { createDurableRuns, type DurableRuns } from './durable-runs';
import { LOOKUPS_DDL } from './spec-helpers/lookup-run';
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
  expect((request.clientClosedAt ?? Infinity) - cancelledAt).toBeLessThan(1000);
  expect(await runs.status(runId)).toMatchObject({ state: 'cancelled' });
  const steps = await db.admin((c) => c.query('SELECT step FROM agent_runs.run_steps WHERE run_id = $1', [runId]));
  expect(steps.rows).toEqual([]);
}, 60_000);
