import { RunCancelledError } from '@agent-mcp/agent-core';
import type pg from 'pg';
import { RUNS_SCHEMA } from './dbos-engine';

const STEPS = `"${RUNS_SCHEMA}".run_steps`;

/** The table of {@link StepRecords}: one row per completed step of a run. */
export const RUN_STEPS_DDL = `CREATE TABLE IF NOT EXISTS ${STEPS} (
  run_id text NOT NULL,
  step text NOT NULL,
  output text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, step)
) WITH (toast_tuple_target = 8160)`; // a model turn's 1-8 KB stay in the row, uncompressed: no pglz on every step

const RECORD = `INSERT INTO ${STEPS} (run_id, step, output)
  SELECT $1, $2, $3 WHERE EXISTS (
    SELECT 1 FROM "${RUNS_SCHEMA}".workflow_status WHERE workflow_uuid = $1 AND status = 'PENDING')
  ON CONFLICT (run_id, step) DO NOTHING`;

/**
 * The completed steps of runs (model turns, tool calls), one row each, first writer wins: a step is recorded with
 * one `INSERT ... ON CONFLICT DO NOTHING`, and when a row is there already (a replica declared dead wrongly, still
 * running, recorded it first) the recorded value is read and used, so both continue from the same record. A DBOS
 * step costs seven statements and measured 2-3 ms on this project's machine, several times the budget of
 * 1 ms; this row costs one statement (docs/design/durable-runs.md, Risks (b)). DBOS keeps what is hard: the run as
 * a workflow, the queue, the handoff of a dead replica's runs, messages and events.
 *
 * The insert also checks that the run is still `PENDING`: a run cancelled on any replica records nothing more and
 * stops at its next step, as it would at a DBOS step.
 */
export class StepRecords {
  constructor(private readonly pool: pg.Pool) {}

  /** Every step the run recorded, by name, as JSON text (empty for a run that never ran). */
  async load(runId: string): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ step: string; output: string }>(
      `SELECT step, output FROM ${STEPS} WHERE run_id = $1`,
      [runId],
    );
    return new Map(rows.map((r) => [r.step, r.output]));
  }

  /**
   * Records `output` (JSON text) as the run's step `step`. @returns the recorded JSON: `output`, or what another
   * execution of the run recorded first. @throws RunCancelledError when the run is no longer pending.
   */
  async record(runId: string, step: string, output: string): Promise<string> {
    // Named, so each connection parses and plans it once.
    const inserted = await this.pool.query({
      name: 'agent_runs.record_step',
      text: RECORD,
      values: [runId, step, output],
    });
    if (inserted.rowCount === 1) return output;
    const { rows } = await this.pool.query<{ output: string }>(
      `SELECT output FROM ${STEPS} WHERE run_id = $1 AND step = $2`,
      [runId, step],
    );
    const first = rows[0]?.output;
    if (first !== undefined) return first;
    throw new RunCancelledError(
      `The run ${runId} was cancelled or has ended elsewhere; its step "${step}" was not kept.`,
    );
  }

  /** Deletes the steps of finished runs. */
  async delete(runIds: readonly string[]): Promise<void> {
    await this.pool.query(`DELETE FROM ${STEPS} WHERE run_id = ANY($1::text[])`, [runIds]);
  }
}
