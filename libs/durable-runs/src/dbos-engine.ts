import type { DBOS as DbosStatic, DBOSSerializer, DLogger, WorkflowHandle } from '@dbos-inc/dbos-sdk';
import { type Logger } from '@agent-mcp/context';
import type pg from 'pg';

/** DBOS's static API (one per process). */
export type Dbos = typeof DbosStatic;

/** The schema of DBOS's tables and ours (the replicas' heartbeats) in the application database. */
export const RUNS_SCHEMA = 'agent_runs';
/** The queue every queued run goes through. */
export const RUNS_QUEUE = 'agent-runs';
/**
 * The run format: DBOS's application version, so a run is resumed only by replicas that lay its steps out the same
 * way. Bump it when the step names or their order change.
 */
export const RUN_FORMAT_VERSION = 'agent-runs-2';
const APPLICATION_NAME = 'agent-mcp';

/** What every run's workflow receives, recorded by DBOS: serialisable, so another replica can start it again. */
export interface RunRecord {
  /** What runs: a kind given to `define`, or the request's kind of an inline run. */
  readonly kind: string;
  readonly principal: string;
  /** An inline run's work is a closure of the process that started it: no other process can run it. */
  readonly inline: boolean;
  readonly input?: unknown;
  /**
   * A run of a defined kind started with `startHere` (absent: put on the queue): it holds an in-process slot where
   * it started, so a replica that resumes it takes one there too (the queue's limits do not cover it).
   */
  readonly startedHere?: boolean;
  /** What the run is called in the runs' metrics (the observer's `kind`); absent: `kind`. */
  readonly label?: string;
}

/** What {@link launchEngine} needs. */
export interface EngineOptions {
  /** DBOS's pool ({@link createRunsPool}). */
  readonly pool: pg.Pool;
  readonly executorId: string;
  readonly maxResumes: number;
  readonly queuePollMs: number;
  readonly concurrencyPerReplica: number;
  readonly concurrencyPerPrincipal: number;
  readonly logger: Logger;
}

/** DBOS launched for the runs: the workflow of every run, started here or put on the queue. */
export interface Engine {
  readonly dbos: Dbos;
  /** Starts the run's workflow in this process now (an inline run, already admitted by the in-process slots). */
  startHere(runId: string, record: RunRecord): Promise<WorkflowHandle<unknown>>;
  /** Puts the run on the queue: the replica that dequeues it runs it, within the queue's limits. */
  enqueue(runId: string, record: RunRecord): Promise<WorkflowHandle<unknown>>;
  /**
   * Puts the `PENDING` runs of dead executors back on their queue, in one `UPDATE` per executor, as DBOS does for its
   * own at launch: a second call for the same executor finds nothing, so concurrent sweepers need no claim.
   * @returns the ids of the runs moved
   */
  recoverExecutors(executorIds: readonly string[]): Promise<string[]>;
  /**
   * What a run's body throws when it finds the run cancelled before DBOS does (a wait of ours): DBOS then parks that
   * execution and keeps the run `CANCELLED`, as when its own checkpoint finds it.
   */
  cancelledError(runId: string): Error;
  /** Stops DBOS in this process (the pool stays open for the caller to end). */
  stop(): Promise<void>;
}

/**
 * Values are recorded as plain JSON: every value a run records is JSON already (model responses, tool outputs,
 * answers), and DBOS's default (superjson) costs ~25 % more CPU per step (measured, docs/design/durable-runs.md).
 */
export const PLAIN_JSON: DBOSSerializer = Object.freeze({
  name: () => 'agent_runs_json',
  stringify: (value: unknown) => JSON.stringify(value ?? null),
  parse: (text: string | null | undefined): unknown => (text === null || text === undefined ? null : JSON.parse(text)),
});

/**
 * The runs' own pool, apart from the application's: asynchronous commit by default (a checkpoint then costs no
 * disk flush), and the idle-in-transaction timeout DBOS sets only on pools it creates.
 */
export async function createRunsPool(options: {
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly checkpointCommit: 'async' | 'sync';
  readonly logger: Logger;
}): Promise<pg.Pool> {
  // Loaded here, not at import: a server that never records a run (stdio, the embedded default) never loads pg for it.
  const { Pool } = (await import('pg')).default;
  const commit = options.checkpointCommit === 'async' ? 'off' : 'on';
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize,
    options: `-c synchronous_commit=${commit} -c idle_in_transaction_session_timeout=60000`,
  });
  // A connection the server ends (a restart, a DROP ... WITH (FORCE)) must not end the process.
  pool.on('error', (error) => options.logger.warn('agent runs: a database connection failed', { err: error }));
  return pool;
}

/**
 * Loads DBOS (600 ms to require, so only here, never on a server's start path), configures it on our pool and the
 * plain JSON serializer, registers the one workflow every run is, launches it and registers the runs' queue.
 */
export async function launchEngine(
  options: EngineOptions,
  body: (record: RunRecord) => Promise<unknown>,
): Promise<Engine> {
  const [{ DBOS, Error: DbosErrors }, { DBOSExecutor }] = await Promise.all([
    import('@dbos-inc/dbos-sdk'),
    import('@dbos-inc/dbos-sdk/internal/dbos-executor'),
  ]);
  const { pool } = options;
  // DBOS counts every start of a workflow, the first included, and gives it up at the start after its first plus
  // maxRecoveryAttempts: `maxResumes` resumes exactly (0 would read as DBOS's default, 100: the settings start at 1).
  const workflow = DBOS.registerWorkflow(body, { name: 'agentRun', maxRecoveryAttempts: options.maxResumes });
  DBOS.setConfig({
    name: APPLICATION_NAME,
    systemDatabasePool: pool,
    systemDatabaseSchemaName: RUNS_SCHEMA,
    applicationVersion: RUN_FORMAT_VERSION,
    executorID: options.executorId,
    serializer: PLAIN_JSON,
    logger: dbosLogger(options.logger),
  });
  try {
    await DBOS.launch();
    await DBOS.registerQueue(RUNS_QUEUE, {
      workerConcurrency: options.concurrencyPerReplica,
      partitionConcurrency: options.concurrencyPerPrincipal,
      minPollingIntervalMs: options.queuePollMs,
      onConflict: 'always_update',
    });
  } catch (error) {
    await DBOS.shutdown({ deregister: true }).catch(() => undefined);
    throw error;
  }
  return {
    dbos: DBOS,
    startHere: (runId, record) => DBOS.startWorkflow(workflow, { workflowID: runId })(record),
    enqueue: (runId, record) =>
      DBOS.startWorkflow(workflow, {
        workflowID: runId,
        queueName: RUNS_QUEUE,
        enqueueOptions: { queuePartitionKey: record.principal },
      })(record),
    async recoverExecutors(executorIds) {
      const executor = DBOSExecutor.globalInstance;
      if (!executor || executorIds.length === 0) return [];
      const handles = await executor.recoverPendingWorkflows([...executorIds]);
      return handles.map((h) => h.workflowID);
    },
    cancelledError: (runId) => new DbosErrors.DBOSWorkflowCancelledError(runId),
    stop: () => DBOS.shutdown({ deregister: true }),
  };
}

/**
 * Puts this replica's `PENDING` runs back on their queue as it closes (its DBOS stopped), in `client`'s transaction: a
 * graceful handover, not a resume. DBOS counts every dequeue in `recovery_attempts` and gives a run up at the dequeue
 * after its first plus `maxRecoveryAttempts`, so the run's count is taken back by one here and the dequeue that
 * follows puts it back where it was: only starts after a crash count against `maxResumes` (and in a status's
 * `starts`). Otherwise DBOS's own recovery re-enqueue (`reenqueueWorkflowsForRecovery`): the same row filter, and
 * `owner_xid` cleared, so an execution still in flight here parks at its next checkpoint.
 * @returns the ids of the runs handed over
 */
export async function handOverRuns(client: pg.ClientBase, executorId: string): Promise<string[]> {
  const { INTERNAL_QUEUE_NAME } = await import('@dbos-inc/dbos-sdk/internal/utils');
  const { rows } = await client.query<{ workflow_uuid: string }>(
    `UPDATE "${RUNS_SCHEMA}".workflow_status
        SET status = 'ENQUEUED', owner_xid = NULL, started_at_epoch_ms = NULL,
            updated_at = (EXTRACT(EPOCH FROM now()) * 1000)::bigint,
            queue_name = COALESCE(queue_name, $4),
            recovery_attempts = GREATEST(recovery_attempts - 1, 0)
      WHERE status = 'PENDING' AND executor_id = $1 AND application_version = $2
        AND (application_name = $3 OR application_name IS NULL)
      RETURNING workflow_uuid`,
    [executorId, RUN_FORMAT_VERSION, APPLICATION_NAME, INTERNAL_QUEUE_NAME],
  );
  return rows.map((r) => r.workflow_uuid);
}

/** DBOS's own lines go to our logger: its routine ones at debug, so an idle server's log stays ours. */
function dbosLogger(logger: Logger): DLogger {
  const text = (entry: unknown) => (entry instanceof Error ? entry.message : String(entry));
  return {
    debug: (entry) => logger.debug(`dbos: ${text(entry)}`),
    info: (entry) => logger.debug(`dbos: ${text(entry)}`),
    warn: (entry) => logger.warn(`dbos: ${text(entry)}`),
    error: (entry) => logger.error(`dbos: ${text(entry)}`, entry instanceof Error ? { err: entry } : {}),
  };
}
