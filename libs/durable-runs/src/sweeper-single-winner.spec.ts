// Two sweepers that both take one replica for dead move its run once: both read the dead executor, then both put
// its runs back on their queue at the same time (DBOS's recovery, one `UPDATE ... WHERE status = 'PENDING' AND
// executor_id = $1 RETURNING`); one of them moves the run, the other finds nothing, and the run finishes once on a
// live replica.
import { noopLogger } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import pg from 'pg';
import { createDurableRuns, type DurableRuns } from './durable-runs';
import { ReplicaLiveness } from './replica-liveness';
import { Replicas } from './spec-helpers/replicas';

let db: ThrowawayDatabase;
let pool: pg.Pool;
let replicas: Replicas;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'druns_sweepers' });
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  // A `relay` run needs no model: the URL is never called.
  replicas = await Replicas.bundle(db.url, 'http://127.0.0.1:9/v1');
});

afterAll(async () => {
  replicas?.close();
  await pool?.end();
  await db?.drop();
});

it('moves a dead replica’s run once when two sweepers take it for dead at the same time', async () => {
  const dead = await replicas.start('replica-dead', 'relay', { submit: true });
  const { started: runId } = await dead.line<{ started: string }>('started');
  dead.child.kill('SIGKILL');
  await new Promise((r) => dead.child.once('exit', r));

  // This process is the live replica (DBOS launched here, as the sweepers' recovery needs); its own sweeper waits
  // 10 minutes, so only the two sweepers below can take the dead replica for dead.
  let runs: DurableRuns | undefined;
  try {
    runs = createDurableRuns({ databaseUrl: db.url, heartbeatMs: 300, recoveryAfterMs: 600_000 });
    runs.define('relay', async () => 'relayed');
    await runs.start();
    await pool.query(
      `UPDATE agent_runs.replica_heartbeats SET seen_at = now() - interval '5 seconds' WHERE executor_id = $1`,
      ['replica-dead'],
    );

    // Both sweepers have read the dead executor before either moves its runs: the moves race in PostgreSQL.
    const { DBOSExecutor } = await import('@dbos-inc/dbos-sdk/internal/dbos-executor');
    let arrived = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    const sweeper = (executorId: string) =>
      new ReplicaLiveness({
        pool,
        executorId,
        heartbeatMs: 300,
        recoveryAfterMs: 1000,
        logger: noopLogger,
        handOver: async () => [],
        recover: async (executorIds) => {
          if (++arrived === 2) bothRead();
          await barrier;
          const handles = (await DBOSExecutor.globalInstance?.recoverPendingWorkflows([...executorIds])) ?? [];
          return handles.map((h) => h.workflowID);
        },
      });
    const moved = await Promise.all([sweeper('sweeper-1').sweep(), sweeper('sweeper-2').sweep()]);
    expect(arrived).toBe(2);
    expect(moved.flat()).toEqual([runId]);

    await expect(runs.result(runId, { timeoutMs: 20_000 })).resolves.toBe('relayed');
    // Dequeued twice in all: by the dead replica, then once here.
    const { rows } = await pool.query<{ status: string; attempts: string }>(
      'SELECT status, recovery_attempts AS attempts FROM agent_runs.workflow_status WHERE workflow_uuid = $1',
      [runId],
    );
    expect(rows).toEqual([{ status: 'SUCCESS', attempts: '2' }]);
  } finally {
    await runs?.close();
  }
}, 60_000);
