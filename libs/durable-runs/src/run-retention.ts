import { type Logger } from '@agent-mcp/context';
import type pg from 'pg';
import { type Dbos, RUNS_SCHEMA } from './dbos-engine';
import { type StepRecords } from './step-records';

const BATCH = 500;
/** Most batches one pass deletes, so a large backlog is worked off over several passes, not in one long burst. */
const MAX_BATCHES = 20;
const FINISHED = ['SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_ATTEMPTS_EXCEEDED'];

/**
 * Deletes runs that finished more than `retentionMs` ago, with their steps, messages and events (open-source DBOS
 * keeps every row). Each replica runs a pass every `everyMs`; two passes at once delete each run once.
 */
export class RunRetention {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly dbos: Dbos,
    /** Deletes what the runs recorded beside DBOS's rows (steps, messages, events). */
    private readonly records: Pick<StepRecords, 'delete'>,
    private readonly retentionMs: number,
    private readonly logger: Logger,
  ) {}

  start(everyMs = 10 * 60_000): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pass()
        .catch((error: unknown) => this.logger.warn('agent runs: deleting finished runs failed', { err: error }))
        .finally(() => (this.running = undefined));
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes up to {@link MAX_BATCHES} batches of expired runs. @returns how many runs were deleted */
  async pass(now = Date.now()): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const { rows } = await this.pool.query<{ workflow_uuid: string }>(
        `SELECT workflow_uuid FROM "${RUNS_SCHEMA}".workflow_status
          WHERE status = ANY($1::text[]) AND updated_at < $2 AND parent_workflow_id IS NULL
          LIMIT ${BATCH}`,
        [FINISHED, now - this.retentionMs],
      );
      if (rows.length === 0) break;
      const ids = rows.map((r) => r.workflow_uuid);
      await this.records.delete(ids);
      await this.dbos.deleteWorkflows(ids, true);
      deleted += rows.length;
      if (rows.length < BATCH) break;
    }
    return deleted;
  }
}
