import type pg from 'pg';
import { RUN_FORMAT_VERSION, RUNS_SCHEMA } from './dbos-engine';

const REPLICAS = `"${RUNS_SCHEMA}".replica_heartbeats`;

/**
 * Each replica's heartbeat says which run format it runs (`run_format`), so that a replica can tell a run of another
 * format that a live replica of that format will still take (a rolling deploy) from one nothing will resume. Added
 * only when missing: an `ALTER TABLE` would take the table's lock at every start.
 */
export const RUN_FORMAT_DDL = `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_schema = '${RUNS_SCHEMA}' AND table_name = 'replica_heartbeats'
                    AND column_name = 'run_format') THEN
    ALTER TABLE ${REPLICAS} ADD COLUMN run_format text;
  END IF;
END
$$`;

/**
 * How long no replica of a run's format must have been seen before the run counts as stranded: four recovery delays,
 * and two minutes at least. A replica silent for one recovery delay is dead to the sweeper (its runs move to a live
 * peer, which costs nothing lasting), but a stranded run is given up for good (its task failed and its run cancelled,
 * `durable-tasks.ts` in server-kit): one replica of the old format late with its heartbeat during a rolling deploy (a
 * long pause, a slow database) must not be enough.
 */
export const STRANDED_AFTER_MS = 120_000;

/** The grace ({@link STRANDED_AFTER_MS}) for replicas declared dead after `recoveryAfterMs`. */
export function strandedAfterMs(recoveryAfterMs: number): number {
  return Math.max(STRANDED_AFTER_MS, 4 * recoveryAfterMs);
}

/** A run's row in DBOS's `workflow_status`, as {@link readRunRecord} reads it. */
export interface RunRecordRow {
  /** DBOS's status (`ENQUEUED`, `PENDING`, `SUCCESS`, ...). */
  readonly status: string;
  /** How many times a replica started it (DBOS's `recovery_attempts`, at least 1). */
  readonly starts: number;
  /** The run format it was recorded under (DBOS's `application_version`); `null` for a row without one. */
  readonly format: string | null;
  /**
   * Unfinished, of another run format than this replica's, and no replica of that format was seen for
   * {@link strandedAfterMs} (its heartbeat younger than that): DBOS dequeues and recovers a run only on replicas of
   * its own format, so nothing will run it. A replica whose heartbeat names no format (a version from before the
   * column) might run any format: while one was seen within the grace, nothing is stranded.
   */
  readonly stranded: boolean;
}

const READ_SQL = `SELECT w.status, w.recovery_attempts, w.application_version AS format,
       (w.status IN ('PENDING', 'ENQUEUED', 'DELAYED') AND w.application_version <> $2
        AND NOT EXISTS (SELECT 1 FROM ${REPLICAS} r
                         WHERE (r.run_format IS NULL OR r.run_format = w.application_version)
                           AND r.seen_at > now() - make_interval(secs => $3::double precision / 1000))) AS stranded
  FROM "${RUNS_SCHEMA}".workflow_status w WHERE w.workflow_uuid = $1`;

/**
 * The run's record, or `undefined` for a run this database does not hold. `recoveryAfterMs`: the replicas' recovery
 * delay, which the grace before a run is stranded derives from ({@link strandedAfterMs}).
 */
export async function readRunRecord(
  pool: pg.Pool,
  runId: string,
  recoveryAfterMs: number,
): Promise<RunRecordRow | undefined> {
  const { rows } = await pool.query<{
    status: string;
    recovery_attempts: string | null;
    format: string | null;
    stranded: boolean | null;
  }>({ name: 'agent_runs.run_record', text: READ_SQL }, [runId, RUN_FORMAT_VERSION, strandedAfterMs(recoveryAfterMs)]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    status: row.status,
    starts: Math.max(1, Number(row.recovery_attempts ?? 1)),
    format: row.format,
    stranded: row.stranded === true,
  };
}
