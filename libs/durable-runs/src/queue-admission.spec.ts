// RUN_MAX_QUEUED bounds the shared queue exactly across replicas: submits made at once from two engines on one
// database (this process and a replica process, each its own DBOS) against a bound of K enqueue exactly K runs and
// refuse the rest with RunQueueFullError, each refusal told to the runs' observer by the run's label; once full,
// admit() refuses too. The runs stay queued: their principal's one slot (across replicas) is held by a run that
// never ends. A replica that does not get the admission lock in time (another holds it) refuses its submit as a
// full queue would (a retry later), rather than failing it. Real PostgreSQL, a database of its own.
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import pg from 'pg';
import { createDurableRuns } from './durable-runs';
import { RunQueueFullError } from './errors';
import { QueueAdmission } from './queue-admission';
import { Replicas } from './spec-helpers/replicas';

const MAX_QUEUED = 4;
const SUBMITS = 12; // per engine
const PRINCIPAL = 'tenant:burst';

let db: ThrowawayDatabase;
let replicas: Replicas;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'druns_admission' });
  // No model server: the replica's `lookup` kind is defined but never run.
  replicas = await Replicas.bundle(db.url, 'http://127.0.0.1:9');
});

afterAll(async () => {
  replicas?.close();
  await db?.drop();
});

it('enqueues exactly maxQueued of the runs submitted at once from two replicas, refusing the rest', async () => {
  const other = await replicas.start('replica-burst', 'admit', {
    maxQueued: MAX_QUEUED,
    submits: SUBMITS,
    principal: PRINCIPAL,
  });
  const refused: string[] = [];
  const runs = createDurableRuns({
    databaseUrl: db.url,
    maxQueued: MAX_QUEUED,
    concurrencyPerPrincipal: 1,
    heartbeatMs: 300,
    recoveryAfterMs: 60_000,
    observer: { onRunRefused: ({ kind }) => refused.push(kind) },
  });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  runs.define('hold', () => released.then(() => 'held'));
  try {
    await runs.start();
    // Holds the principal's one slot, on whichever replica dequeues it: the burst's runs then wait on the queue.
    const holder = await runs.submit('hold', {}, { principal: PRINCIPAL });
    for (const begun = Date.now(); (await runs.status(holder.runId))?.state !== 'running';) {
      if (Date.now() - begun > 20_000) throw new Error('the holding run did not start');
      await new Promise((r) => setTimeout(r, 50));
    }

    other.child.stdin?.write('go\n');
    const here = await Promise.allSettled(
      Array.from({ length: SUBMITS }, (_, n) => runs.submit('hold', { n }, { principal: PRINCIPAL, label: 'burst' })),
    );
    const there = await other.line<{ admitted: number; refused: number }>('admitted');
    const admittedHere = here.filter((s) => s.status === 'fulfilled').length;
    for (const s of here) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(RunQueueFullError);
    expect(admittedHere + there.admitted).toBe(MAX_QUEUED);
    expect(there.refused).toBe(SUBMITS - there.admitted);
    expect(refused).toEqual(Array.from({ length: SUBMITS - admittedHere }, () => 'burst'));
    const { rows } = await db.admin((c) =>
      c.query<{ n: number }>("SELECT count(*)::int AS n FROM agent_runs.workflow_status WHERE status = 'ENQUEUED'"),
    );
    expect(rows[0]?.n).toBe(MAX_QUEUED);

    // Full: the look a task call makes before storing its task refuses too, told by the label it was given.
    await expect(runs.admit({ label: 'gated' })).rejects.toBeInstanceOf(RunQueueFullError);
    expect(refused.at(-1)).toBe('gated');
  } finally {
    release();
    await runs.close();
  }
}, 60_000);

it('refuses an enqueue, enqueuing nothing, when the admission lock is not had in time', async () => {
  const holder = new pg.Client({ connectionString: db.url });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await holder.connect();
  try {
    await holder.query("SELECT pg_advisory_lock(hashtext('agent_runs.admission'))");
    const admission = new QueueAdmission(pool, 1000, { lockWaitMs: 200 });
    let enqueued = 0;
    const enqueue = () => Promise.resolve((enqueued += 1));
    await expect(admission.enqueue(enqueue)).resolves.toBe(false);
    expect(enqueued).toBe(0);
    // Once the lock is free the same admission admits (the queue table is DBOS's, made by the test above).
    await holder.query("SELECT pg_advisory_unlock(hashtext('agent_runs.admission'))");
    await expect(admission.enqueue(enqueue)).resolves.toBe(true);
    expect(enqueued).toBe(1);
  } finally {
    await holder.end();
    await pool.end();
  }
});
