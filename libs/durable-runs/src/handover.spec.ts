// A graceful handover is not a resume: replica processes with RUN_MAX_RESUMES 1 close on SIGTERM (a rolling
// restart) and hand their run over, more often than RUN_MAX_RESUMES allows resumes, and the run still finishes
// on the last one, counted as started once (and its later starts still read as resumes for the metrics); a replica that crashes (SIGKILL) still counts, so a run handed over
// gracefully and then crashed on twice is given up.
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { createScriptedServer, type ScriptedServer } from '@agent-mcp/agent-core/testing';
import pg from 'pg';
import { readQueuedStart } from './queued-start';
import { LOOKUPS_DDL } from './spec-helpers/lookup-run';
import { type Replica, Replicas } from './spec-helpers/replicas';

let db: ThrowawayDatabase;
let model: ScriptedServer;
let replicas: Replicas;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'druns_handover' });
  await db.admin((c) => c.query(LOOKUPS_DDL));
  model = await createScriptedServer({ apiKey: 'test-key' });
  replicas = await Replicas.bundle(db.url, model.url);
});

afterAll(async () => {
  replicas?.close();
  await model?.close();
  await db?.drop();
});

const relay = (executorId: string, argument: { submit?: boolean; finish?: boolean } = {}) =>
  replicas.start(executorId, 'relay', argument);

/** Ends `replica` with `signal` and waits for its exit. */
async function end(replica: Replica, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const exited = new Promise((resolve) => replica.child.once('exit', resolve));
  replica.child.kill(signal);
  await exited;
}

/** The run's DBOS status once it is `status` (bounded: the last one read otherwise). */
async function settled(runId: string, status: string): Promise<{ status: string; recovery_attempts: string }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const row = await db.admin(async (c) => {
      const { rows } = await c.query<{ status: string; recovery_attempts: string }>(
        'SELECT status, recovery_attempts FROM agent_runs.workflow_status WHERE workflow_uuid = $1',
        [runId],
      );
      return rows[0];
    });
    if (!row) throw new Error(`no run ${runId}`);
    if (row.status === status || Date.now() > deadline) return row;
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('finishes a run handed over gracefully more often than RUN_MAX_RESUMES allows', async () => {
  const a = await relay('relay-a', { submit: true });
  const runId = a.submitted as string;
  await a.line('started');
  const b = await relay('relay-b');
  await end(a, 'SIGTERM');
  expect(await b.line<{ started: string }>('started')).toEqual({ started: runId });
  const c = await relay('relay-c', { finish: true });
  await end(b, 'SIGTERM');
  expect(await c.line<{ started: string }>('started')).toEqual({ started: runId });
  // Started three times, handed over twice: counted as started once.
  expect(await settled(runId, 'SUCCESS')).toEqual({ status: 'SUCCESS', recovery_attempts: '1' });
  // Its later starts are still known as resumes (the queue-wait metric observes its first start only).
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    expect(await readQueuedStart(pool, runId)).toMatchObject({ resumed: true });
  } finally {
    await pool.end();
  }
  await end(c, 'SIGKILL');
}, 60_000);

it('still gives a run up when its replicas crash more often than RUN_MAX_RESUMES allows after a handover', async () => {
  const a = await relay('crash-a', { submit: true });
  const runId = a.submitted as string;
  await a.line('started');
  const b = await relay('crash-b');
  await end(a, 'SIGTERM');
  await b.line('started');
  const c = await relay('crash-c');
  await end(b, 'SIGKILL'); // the first resume: allowed
  await c.line('started');
  const d = await relay('crash-d', { finish: true });
  await end(c, 'SIGKILL'); // the second: given up instead of started on d
  expect((await settled(runId, 'MAX_RECOVERY_ATTEMPTS_EXCEEDED')).status).toBe('MAX_RECOVERY_ATTEMPTS_EXCEEDED');
  await end(d, 'SIGKILL');
}, 60_000);
