import { type Logger } from '@agent-mcp/context';
import type pg from 'pg';
import { RUN_FORMAT_VERSION, RUNS_SCHEMA } from './dbos-engine';

const REPLICAS = `"${RUNS_SCHEMA}".replica_heartbeats`;

/** What {@link ReplicaLiveness} needs. */
export interface LivenessOptions {
  readonly pool: pg.Pool;
  readonly executorId: string;
  readonly heartbeatMs: number;
  readonly recoveryAfterMs: number;
  /** Puts a dead executor's `PENDING` runs back on their queue; returns the runs moved. */
  readonly recover: (executorIds: readonly string[]) => Promise<string[]>;
  /** Puts this replica's own `PENDING` runs back on their queue in `client`'s transaction; returns the runs moved. */
  readonly handOver: (client: pg.ClientBase) => Promise<string[]>;
  readonly logger: Logger;
  /** Told of every run moved off a dead replica. */
  readonly onResumed?: (count: number) => void;
  /** Told of every timed sweep that failed (it is logged too, and tried again at the next tick). */
  readonly onSweepFailed?: (error: unknown) => void;
}

/**
 * Noticing a dead replica, which open-source DBOS leaves to its hosted Conductor: each replica keeps a row in
 * `agent_runs.replica_heartbeats` fresh every `heartbeatMs` (with the run format it runs: `run-format.ts`), and every
 * second each replica looks for executors that own `PENDING` runs of its own run format (DBOS recovers no other) but
 * whose row is older than `recoveryAfterMs` (or missing: a replica that died before its first beat, or whose row a
 * sweep already deleted), and puts those runs back on their queue. The move is one `UPDATE ...
 * WHERE status = 'PENDING' AND executor_id = $1` (DBOS's own recovery), so two replicas sweeping at once move each
 * run once. Ownership, fencing of a replica wrongly declared dead, replay and the queue stay DBOS's.
 */
export class ReplicaLiveness {
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<unknown> | undefined;

  constructor(private readonly options: LivenessOptions) {}

  /**
   * Creates the schema and tables if needed (ours, and `ddl`) and writes this replica's first beat: before it
   * dequeues anything.
   */
  async register(ddl: readonly string[] = []): Promise<void> {
    await createOnce(this.options.pool, [
      `CREATE SCHEMA IF NOT EXISTS "${RUNS_SCHEMA}"`,
      `CREATE TABLE IF NOT EXISTS ${REPLICAS} (executor_id text PRIMARY KEY, seen_at timestamptz NOT NULL DEFAULT now())`,
      ...ddl,
    ]);
    await this.beat();
  }

  /** Starts beating and sweeping (timers that do not keep the process alive). */
  start(): void {
    const { heartbeatMs, logger } = this.options;
    this.heartbeat = setInterval(() => {
      this.beat().catch((error: unknown) => logger.warn('agent runs: heartbeat failed', { err: error }));
    }, heartbeatMs);
    this.heartbeat.unref();
    this.sweeper = setInterval(() => void this.sweepQuietly(), Math.min(1000, this.options.recoveryAfterMs / 2));
    this.sweeper.unref();
  }

  /**
   * Moves the runs of every dead executor now (the timer does it every second).
   * @returns the ids of the runs moved
   */
  async sweep(): Promise<string[]> {
    const { pool, executorId, recoveryAfterMs, recover, logger, onResumed } = this.options;
    const { rows } = await pool.query<{ executor_id: string }>(
      `SELECT DISTINCT w.executor_id FROM "${RUNS_SCHEMA}".workflow_status w
        WHERE w.status = 'PENDING' AND w.executor_id <> $1 AND w.application_version = $3
          AND NOT EXISTS (SELECT 1 FROM ${REPLICAS} r
                           WHERE r.executor_id = w.executor_id
                             AND r.seen_at > now() - make_interval(secs => $2::double precision / 1000))`,
      [executorId, recoveryAfterMs, RUN_FORMAT_VERSION],
    );
    if (rows.length === 0) return [];
    const dead = rows.map((r) => r.executor_id);
    const moved = await recover(dead);
    await pool.query(`DELETE FROM ${REPLICAS} WHERE executor_id = ANY($1::text[])`, [dead]);
    if (moved.length > 0) {
      logger.info('agent runs: resumed the runs of replicas that stopped answering', {
        replicas: dead,
        runs: moved.length,
      });
      onResumed?.(moved.length);
    }
    return moved;
  }

  /** Stops beating and sweeping. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.sweeper);
    await this.sweeping;
  }

  /**
   * Once this replica runs nothing more: puts the runs it still owns back on their queue and deletes its row, in
   * one transaction, so that another replica takes them at its next queue poll, as runs handed over (not resumed).
   * @returns the ids of the runs handed over
   */
  async handOver(): Promise<string[]> {
    const { pool, executorId, handOver, logger } = this.options;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const moved = await handOver(client);
      await client.query(`DELETE FROM ${REPLICAS} WHERE executor_id = $1`, [executorId]);
      await client.query('COMMIT');
      if (moved.length > 0) logger.info('agent runs: handed this replica’s runs over', { runs: moved.length });
      return moved;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async beat(): Promise<void> {
    await this.options.pool.query(
      `INSERT INTO ${REPLICAS} (executor_id, run_format) VALUES ($1, $2)
         ON CONFLICT (executor_id) DO UPDATE SET seen_at = now(), run_format = $2`,
      [this.options.executorId, RUN_FORMAT_VERSION],
    );
  }

  private async sweepQuietly(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = this.sweep()
      .catch((error: unknown) => {
        this.options.logger.warn('agent runs: sweep failed', { err: error });
        this.options.onSweepFailed?.(error);
      })
      .finally(() => (this.sweeping = undefined));
    await this.sweeping;
  }
}

/** DDL that replicas starting together may race on: a lost race is the object existing already. */
async function createOnce(pool: pg.Pool, statements: readonly string[]): Promise<void> {
  for (const statement of statements) {
    try {
      await pool.query(statement);
    } catch (error) {
      // unique_violation on the catalog, duplicate_schema, duplicate_table: another replica created it first.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P06' && code !== '42P07') throw error;
    }
  }
}
